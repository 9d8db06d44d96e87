"""Log-in form (CSRF-protected by Flask-WTF)."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=256)])
    extension = StringField(validators=[Optional(), Regexp(r"^\d{2,8}$")])
