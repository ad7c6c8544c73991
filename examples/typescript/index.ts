// A higher plane in TypeScript using meshplane's component provider: one data product from its
// declaration, and a dataset with meshplane's closed-by-default access (docs/provider.md).
// `pulumi package add ../../provider` generates the `@pulumi/meshplane` SDK imported here.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as meshplane from "@pulumi/meshplane";

const config = new pulumi.Config();
const platform = config.requireObject<Record<string, unknown>>("platform"); // the keys of meshplane:platform
const environment = config.require("environment");

const catalog = new meshplane.DataProduct("podcast-catalog", {
    declarationFile: path.resolve(__dirname, "../../blueprints/podcast/podcast-catalog.yaml"),
    environment: environment,
    platform: platform,
});

const sandbox = new meshplane.BigQueryDataset("analyst-sandbox", {
    project: "acme-dev-sandbox",
    datasetId: "analyst_sandbox",
    location: "EU",
    labels: { data_domain: "analytics", data_product: "sandbox", environment: "dev", managed_by: "meshplane",
              mesh_layer: "internal" },
    maxTimeTravelHours: 48,
    readers: ["group:analysts@acme.example"],
});

export const catalogProject = catalog.projectId;
export const catalogRunner = catalog.runnerEmail;
export const catalogPorts = catalog.ports;
export const sandboxDataset = sandbox.datasetId;
