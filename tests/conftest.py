"""Shared test helpers (`engine_fixtures`, `export_fixtures`) live beside this file; pytest puts
this folder on the import path because of it, so the tests in the layer folders find them."""
