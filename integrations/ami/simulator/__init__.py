"""PBX simulator: an AMI server speaking the real protocol, with scripted calls."""

from integrations.ami.simulator.server import PBXSimulator

__all__ = ["PBXSimulator"]
