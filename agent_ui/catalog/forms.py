"""Catalog item form; lists (materials, steps, keywords) are one entry per line."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ItemForm(FlaskForm):
    code = StringField("编码", validators=[DataRequired(), Length(max=40)])
    name = StringField("事项名称", validators=[DataRequired(), Length(max=100)])
    category_id = SelectField("分类", coerce=int)
    department_id = SelectField("责任单位", coerce=int)
    summary = TextAreaField("事项说明", validators=[Optional(), Length(max=4000)])
    eligibility = TextAreaField("办理对象", validators=[Optional(), Length(max=4000)])
    materials = TextAreaField("所需材料（每行一项）", validators=[Optional(), Length(max=4000)])
    fees = StringField("收费标准", validators=[Optional(), Length(max=500)])
    steps = TextAreaField("办理流程（每行一步）", validators=[Optional(), Length(max=4000)])
    location = StringField("办理地点", validators=[Optional(), Length(max=500)])
    hours = StringField("办理时间", validators=[Optional(), Length(max=200)])
    ivr_text = TextAreaField("语音播报（300字以内）", validators=[Optional(), Length(max=300)])
    keywords = StringField("关键词（空格分隔）", validators=[Optional(), Length(max=500)])
    active = BooleanField("启用", default=True)


class UploadForm(FlaskForm):
    file = FileField("表格文件", validators=[FileRequired()])
