"""Local stand-ins for outside providers (development and tests only; never imported by the
product)."""
