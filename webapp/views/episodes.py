"""Episodes and, within them, tumours and treatments."""
from flask import Blueprint

bp = Blueprint("episodes", __name__, url_prefix="/episodes")
