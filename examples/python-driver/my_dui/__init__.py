"""A vendor's Python driver for dui-conformance (a skeleton to copy): see driver.py."""
