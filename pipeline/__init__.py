"""pipeline: load, check and export a bilingual book kept as parallel YAML sources."""

__version__ = "0.1.0"
