"""Settings: the YAML config file plus the environment, validated into frozen typed values,
with every problem reported at once by file, key path and line (DESIGN §6)."""

from bot.config.loading import ConfigError, describe_settings, load_settings, settings_from_mapping
from bot.config.settings import (
    DEFAULT_DATABASE_URL,
    DatabaseSettings,
    DeclaredChoiceSettings,
    DefaultsSettings,
    DiscordSettings,
    ElectionSettings,
    FeedSettings,
    HttpSettings,
    Reporters,
    Settings,
    SubscriptionSettings,
    webhook_id_of,
)
from bot.config.values import format_duration, parse_duration, split_listen

__all__ = [
    "DEFAULT_DATABASE_URL",
    "ConfigError",
    "DatabaseSettings",
    "DeclaredChoiceSettings",
    "DefaultsSettings",
    "DiscordSettings",
    "ElectionSettings",
    "FeedSettings",
    "HttpSettings",
    "Reporters",
    "Settings",
    "SubscriptionSettings",
    "describe_settings",
    "format_duration",
    "load_settings",
    "parse_duration",
    "settings_from_mapping",
    "split_listen",
    "webhook_id_of",
]
