"""Configuration: the schema (`model`), loading with every problem collected (`loader`),
mail passwords (`secrets`) and `mailwatch init` / the check-config summary (`init`)."""

from mailwatch.config.loader import load_client, load_settings
from mailwatch.config.model import Client, Config, Settings

__all__ = ["Client", "Config", "Settings", "load_client", "load_settings"]
