"""papers' entry points: the CLI, the Slack app and the scheduler. Configuration is read here."""
