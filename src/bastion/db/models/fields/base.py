"""The :class:`Field` base: one column of a model, its Python and database conversions.

A field object is also the class attribute of its model: reading it on the class gives the
field (``Article.title``), and on an instance whose value was deferred (``only()``,
``defer()``) it loads the value from the database. Loaded values live in the instance's
``__dict__``, so the common read is a plain attribute access.
"""

from __future__ import annotations

import enum
import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast, overload

import sqlalchemy as sa

from bastion.exceptions import ValidationError
from bastion.validators import Validator, prohibit_null_characters

if TYPE_CHECKING:
    from bastion.db.models.base import Model

__all__ = ["NOT_PROVIDED", "Field"]

T = TypeVar("T")


class _NotProvided:
    def __repr__(self) -> str:
        return "NOT_PROVIDED"


NOT_PROVIDED: Any = _NotProvided()
"""The default of ``default=``: no default at all (distinct from ``None``)."""

_counter = itertools.count()

Converter = Callable[[Any], Any]


class Field(Generic[T], ABC):
    """A model field.

    Args:
        verbose_name: the human name (default: the attribute name with spaces).
        primary_key: this is the model's primary key (implies unique and not null).
        null: the column accepts NULL; ``None`` is then a valid value.
        blank: an empty value passes validation (forms show the field as optional).
        default: a value or a callable returning one (called for each new instance).
        unique: a unique constraint on the column.
        db_index: an index on the column.
        choices: allowed values: an ``enum.Enum`` class or ``[(value, label), ...]``.
        validators: extra validators run by ``full_clean()`` and by forms.
        editable: shown in ModelForms (False hides it, e.g. timestamps).
        help_text: shown under the form field.
        db_column: the column name (default: the attribute name, ``<name>_id`` for keys).
    """

    empty_values: ClassVar[tuple[Any, ...]] = (None, "", [], (), {})
    default_validators: ClassVar[tuple[Validator, ...]] = ()
    is_relation: ClassVar[bool] = False
    many_to_many: ClassVar[bool] = False
    concrete: ClassVar[bool] = True
    python_type: ClassVar[type | tuple[type, ...]] = object
    description: ClassVar[str] = "Field"

    name: str
    attname: str
    column: str
    model: type[Model]

    def __init__(
        self,
        verbose_name: str | None = None,
        *,
        primary_key: bool = False,
        null: bool = False,
        blank: bool = False,
        default: Any = NOT_PROVIDED,
        unique: bool = False,
        db_index: bool = False,
        choices: Iterable[Any] | type[enum.Enum] | None = None,
        validators: Sequence[Validator] = (),
        editable: bool = True,
        help_text: str = "",
        db_column: str | None = None,
        max_length: int | None = None,
    ) -> None:
        self.verbose_name = verbose_name
        self.primary_key = primary_key
        self.null = null
        self.blank = blank
        self.default = default
        self.unique = unique or primary_key
        self.db_index = db_index
        self.choices = _normalise_choices(choices)
        self.enum = (
            choices if isinstance(choices, type) and issubclass(choices, enum.Enum) else None
        )
        self._validators = tuple(validators)
        self.editable = editable
        self.help_text = help_text
        self.db_column = db_column
        self.max_length = max_length
        self.creation_counter = next(_counter)

    def __repr__(self) -> str:
        owner = getattr(self, "model", None)
        where = f"{owner.__name__}.{self.name}" if owner is not None else "unbound"
        return f"<{type(self).__name__} {where}>"

    # -- the descriptor: deferred loading --------------------------------------------------

    @overload
    def __get__(self, instance: None, owner: Any) -> Field[T]: ...

    @overload
    def __get__(self, instance: object, owner: Any) -> T: ...

    def __get__(self, instance: object | None, owner: Any) -> Field[T] | T:
        if instance is None:
            return self
        # Only reached when the value is not in the instance dict: it was deferred. Fields are
        # only ever installed on model classes, so a non-None instance is a model.
        model = cast("Model", instance)
        model.refresh_from_db(fields=[self.attname])
        return cast("T", model.__dict__[self.attname])

    # -- wiring ----------------------------------------------------------------------------

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        """Bind the field to its model under ``name`` (called by the model metaclass)."""
        self.name = name
        self.attname = self.get_attname()
        self.column = self.db_column or self.attname
        self.model = model
        if self.verbose_name is None:
            self.verbose_name = name.replace("_", " ")
        model._meta.add_field(self)
        setattr(model, self.attname, self)

    def get_attname(self) -> str:
        """The instance attribute holding the raw value (``author_id`` for a foreign key)."""
        return self.name

    def clone(self) -> Field[T]:
        """A fresh copy for a subclass of an abstract model."""
        copy = object.__new__(type(self))
        copy.__dict__ = {
            k: v
            for k, v in self.__dict__.items()
            if k not in ("name", "attname", "column", "model")
        }
        return copy

    # -- defaults --------------------------------------------------------------------------

    @property
    def has_default(self) -> bool:
        return self.default is not NOT_PROVIDED

    def get_default(self) -> Any:
        """The default of a new instance (``None`` for nullable fields without one)."""
        if self.default is NOT_PROVIDED:
            return None if self.null or not self.empty_strings_allowed else ""
        if callable(self.default):
            return self.default()
        return self.default

    empty_strings_allowed: ClassVar[bool] = True

    # -- SQL -------------------------------------------------------------------------------

    @abstractmethod
    def sa_type(self) -> sa.types.TypeEngine[Any]:
        """The SQLAlchemy column type (dialects pick their spelling)."""

    def sa_column(self) -> sa.Column[Any]:
        """The SQLAlchemy column this field maps to (for tables and migrations)."""
        return sa.Column(
            self.column,
            self.sa_type(),
            primary_key=self.primary_key,
            nullable=self.null and not self.primary_key,
            unique=(self.unique and not self.primary_key) or None,
            index=(self.db_index and not self.unique) or None,
            autoincrement=False,
        )

    def db_converter(self, vendor: str) -> Converter | None:
        """Turns a prepared Python value into what the driver of ``vendor`` takes (or None)."""
        return None

    def result_converter(self, vendor: str) -> Converter | None:
        """Turns what the driver of ``vendor`` returns into the Python value (or None)."""
        return None

    def get_prep_value(self, value: Any) -> Any:
        """Normalise a Python value before it is bound (``to_python`` for most fields)."""
        if value is None:
            return None
        return self.to_python(value)

    # -- validation ------------------------------------------------------------------------

    def to_python(self, value: Any) -> Any:
        """Coerce ``value`` to this field's Python type, or raise ValidationError."""
        return value

    @property
    def validators(self) -> list[Validator]:
        """The default validators of the field type plus those given."""
        return [*self.default_validators, *self._validators]

    def run_validators(self, value: Any) -> None:
        if value in self.empty_values:
            return
        errors: list[str] = []
        for validator in self.validators:
            try:
                validator(value)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)

    def validate(self, value: Any, instance: Model | None) -> None:
        """Check choices, null and blank (the rules that need no database)."""
        if self.choices is not None and value not in self.empty_values:
            allowed = [choice for choice, _label in self.choices]
            if value not in allowed:
                raise ValidationError(
                    "Value %(value)r is not a valid choice.",
                    code="invalid_choice",
                    params={"value": value},
                )
        if value is None and not self.null:
            raise ValidationError("This field cannot be null.", code="null")
        if not self.blank and value in self.empty_values:
            raise ValidationError("This field cannot be blank.", code="blank")

    def clean(self, value: Any, instance: Model | None) -> Any:
        """Convert, validate and run validators; return the clean value."""
        value = self.to_python(value)
        self.validate(value, instance)
        self.run_validators(value)
        return value

    def value_from_object(self, obj: Model) -> Any:
        return getattr(obj, self.attname)


class TextLikeField(Field[str]):
    """Shared rules of the string fields: strings only, no control characters."""

    python_type = str
    default_validators: ClassVar[tuple[Validator, ...]] = (prohibit_null_characters,)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, enum.Enum):
            return str(value.value)
        return str(value)


def _normalise_choices(choices: Any) -> list[tuple[Any, str]] | None:
    if choices is None:
        return None
    if isinstance(choices, type) and issubclass(choices, enum.Enum):
        return [
            (member.value, getattr(member, "label", member.name.replace("_", " ").title()))
            for member in choices
        ]
    result: list[tuple[Any, str]] = []
    for item in choices:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            result.append((item[0], str(item[1])))
        else:
            result.append((item, str(item)))
    return result
