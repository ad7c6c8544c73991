"""The offline Pulumi engine: a program run in-process under mocks, every registration recorded."""
