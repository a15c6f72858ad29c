"""The package version, in the bottom layer so that every layer can stamp it on what it writes."""

VERSION = "0.1.0"
