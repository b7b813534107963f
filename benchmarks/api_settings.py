"""The production settings (config.settings, from the environment), with the floor views
of benchmarks.api_floors served beside the product's URLs."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.api_urls"
