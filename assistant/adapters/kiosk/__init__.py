"""The community-center kiosk: a local page with a big 말하기 button, over the conversation core."""
