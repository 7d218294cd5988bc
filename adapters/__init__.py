"""Platform adapters: translate platform events to core calls and render core results."""
