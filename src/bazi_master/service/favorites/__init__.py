"""Favourites: members mark their own saved charts."""
