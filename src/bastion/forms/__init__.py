"""Forms: declared fields, server-side validation by whitelist, accessible rendering.

``from bastion import forms``; see ``docs/forms.md``.
"""

from __future__ import annotations

from bastion.forms.boundfield import BoundField as BoundField
from bastion.forms.choices import BooleanField as BooleanField
from bastion.forms.choices import ChoiceField as ChoiceField
from bastion.forms.choices import MultipleChoiceField as MultipleChoiceField
from bastion.forms.fields import DEFAULT_ALLOWED_TYPES as DEFAULT_ALLOWED_TYPES
from bastion.forms.fields import DEFAULT_MAX_LENGTH as DEFAULT_MAX_LENGTH
from bastion.forms.fields import CharField as CharField
from bastion.forms.fields import EmailField as EmailField
from bastion.forms.fields import Field as Field
from bastion.forms.fields import FileField as FileField
from bastion.forms.fields import PasswordField as PasswordField
from bastion.forms.fields import SlugField as SlugField
from bastion.forms.fields import TextField as TextField
from bastion.forms.fields import URLField as URLField
from bastion.forms.forms import NON_FIELD_ERRORS as NON_FIELD_ERRORS
from bastion.forms.forms import BaseForm as BaseForm
from bastion.forms.forms import Form as Form
from bastion.forms.json import InvalidInput as InvalidInput
from bastion.forms.json import validate_json as validate_json
from bastion.forms.modelchoices import ModelChoiceField as ModelChoiceField
from bastion.forms.modelchoices import ModelMultipleChoiceField as ModelMultipleChoiceField
from bastion.forms.models import ModelForm as ModelForm
from bastion.forms.scalars import DateField as DateField
from bastion.forms.scalars import DateTimeField as DateTimeField
from bastion.forms.scalars import DecimalField as DecimalField
from bastion.forms.scalars import FloatField as FloatField
from bastion.forms.scalars import IntegerField as IntegerField
from bastion.forms.scalars import JSONField as JSONField
from bastion.forms.scalars import TimeField as TimeField
from bastion.forms.scalars import UUIDField as UUIDField
from bastion.forms.widgets import CheckboxInput as CheckboxInput
from bastion.forms.widgets import DateInput as DateInput
from bastion.forms.widgets import DateTimeInput as DateTimeInput
from bastion.forms.widgets import EmailInput as EmailInput
from bastion.forms.widgets import FileInput as FileInput
from bastion.forms.widgets import HiddenInput as HiddenInput
from bastion.forms.widgets import NumberInput as NumberInput
from bastion.forms.widgets import PasswordInput as PasswordInput
from bastion.forms.widgets import Select as Select
from bastion.forms.widgets import SelectMultiple as SelectMultiple
from bastion.forms.widgets import Textarea as Textarea
from bastion.forms.widgets import TextInput as TextInput
from bastion.forms.widgets import TimeInput as TimeInput
from bastion.forms.widgets import URLInput as URLInput
from bastion.forms.widgets import Widget as Widget

__all__ = [
    "DEFAULT_ALLOWED_TYPES",
    "DEFAULT_MAX_LENGTH",
    "NON_FIELD_ERRORS",
    "BaseForm",
    "BooleanField",
    "BoundField",
    "CharField",
    "CheckboxInput",
    "ChoiceField",
    "DateField",
    "DateInput",
    "DateTimeField",
    "DateTimeInput",
    "DecimalField",
    "EmailField",
    "EmailInput",
    "Field",
    "FileField",
    "FileInput",
    "FloatField",
    "Form",
    "HiddenInput",
    "IntegerField",
    "InvalidInput",
    "JSONField",
    "ModelChoiceField",
    "ModelForm",
    "ModelMultipleChoiceField",
    "MultipleChoiceField",
    "NumberInput",
    "PasswordField",
    "PasswordInput",
    "Select",
    "SelectMultiple",
    "SlugField",
    "TextField",
    "TextInput",
    "Textarea",
    "TimeField",
    "TimeInput",
    "URLField",
    "URLInput",
    "UUIDField",
    "Widget",
    "validate_json",
]
