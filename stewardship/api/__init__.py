"""REST adapters of the stewardship workflow: thin translations of HTTP to its use cases and back."""
