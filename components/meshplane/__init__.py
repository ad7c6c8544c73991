"""meshplane: the infrastructure utility plane of a data mesh on Google Cloud."""

__version__ = "0.1.0"
