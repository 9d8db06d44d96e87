"""Asterisk Manager Interface: framing, call fold, agent state, bridge, actions, PBX simulator."""
