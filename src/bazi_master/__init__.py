"""BaZi Master: Four Pillars charts exact to the second, and the service around them."""

__version__ = "0.1.0"
