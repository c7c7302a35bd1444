"""The Telegram layer: thin handlers over the domain modules, and the Application factory."""
