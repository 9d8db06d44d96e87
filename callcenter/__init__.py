"""Community service hotline core: domain, services, store and configuration."""
