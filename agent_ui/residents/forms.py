"""Resident forms (CSRF-protected by Flask-WTF); field rules live in domain.resident_rows."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from callcenter.models.residents import TAGS


class ResidentForm(FlaskForm):
    name = StringField("姓名", validators=[Length(max=50)])
    gender = SelectField("性别", choices=lambda: choices([("", "—"), ("男", "男"), ("女", "女")]),
                         validators=[Optional()])
    birth_date = StringField("出生日期", validators=[Optional(), Length(max=20)])
    id_number = StringField("身份证号", validators=[Optional(), Length(max=30)])
    phones = StringField("电话", validators=[Optional(), Length(max=200)])
    address = StringField("地址", validators=[Optional(), Length(max=255)])
    grid_code = StringField("网格编码", validators=[Length(max=20)])
    tags = SelectMultipleField("标签", choices=lambda: choices((t, t) for t in TAGS), validate_choice=True,
                               widget=ListWidget(prefix_label=False),
                               option_widget=CheckboxInput())
    language = SelectField("语言", choices=lambda: choices([("zh", "中文"), ("en", "English")]))
    notes = TextAreaField("备注", validators=[Optional(), Length(max=2000)])


class RevealForm(FlaskForm):
    field = HiddenField(validators=[Length(max=20)])
    phone_id = HiddenField(validators=[Optional()])


class ImportForm(FlaskForm):
    file = FileField("文件", validators=[FileRequired()])


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[Length(min=64, max=64)])


class PostForm(FlaskForm):
    """An empty form: just the CSRF token, for buttons that change something."""


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]
