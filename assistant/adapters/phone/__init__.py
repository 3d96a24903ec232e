"""Telephony bridge: callers reach the assistant through a PBX speaking Asterisk's AudioSocket protocol."""
