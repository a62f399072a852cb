"""Mailchimp Marketing API 3.0: audiences, member imports, campaigns and their reports."""
