"""Flask extensions, created unbound and initialised in create_app."""
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
socketio = SocketIO()  # bound in create_app by agent_ui.sockets.init_realtime
