"""What the platform team configures: platform settings, stack config and environments."""
