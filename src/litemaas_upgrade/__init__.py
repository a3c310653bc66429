"""litemaas-upgrade: plan, apply, diff and lint the two-phase LiteMaaS upgrade."""

__version__ = "0.1.0"
