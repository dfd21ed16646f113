"""REST adapters of the stewardship workflow, registered under /api/v1 by ``stewardship.web``."""
