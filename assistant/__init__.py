"""Offline, voice-first Korean welfare counselor: one conversation core, thin adapters."""
