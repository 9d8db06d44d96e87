"""The supervisor wallboard: live queues and agents of the supervisor's region, and actions."""
