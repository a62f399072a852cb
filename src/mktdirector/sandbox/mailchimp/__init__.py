"""The Mailchimp Marketing API 3.0 room of the sandbox."""
