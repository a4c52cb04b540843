"""The consultation service: the catalogue every other service refers to."""
