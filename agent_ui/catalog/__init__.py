"""Service guide pages: public reading and search; staff editing of items and forms."""
