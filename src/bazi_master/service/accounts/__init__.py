"""Accounts: users, sessions in the key-value store, password reset, Google and WeChat
sign-in. Other domains authenticate requests through ``accounts.dependencies``."""
