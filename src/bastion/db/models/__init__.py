"""Models: ``from bastion.db import models``.

Declare a model by subclassing :class:`Model`; query it through ``Model.objects``.
Every name a caller can pass to a query is checked against the model, and every value
is a bound parameter (see docs/orm.md).
"""

from bastion.db.exceptions import FieldError as FieldError
from bastion.db.exceptions import ProtectedError as ProtectedError
from bastion.db.exceptions import RestrictedError as RestrictedError
from bastion.db.models import signals as signals
from bastion.db.models.base import Model as Model
from bastion.db.models.expressions import Avg as Avg
from bastion.db.models.expressions import Count as Count
from bastion.db.models.expressions import F as F
from bastion.db.models.expressions import Max as Max
from bastion.db.models.expressions import Min as Min
from bastion.db.models.expressions import OrderBy as OrderBy
from bastion.db.models.expressions import Q as Q
from bastion.db.models.expressions import Sum as Sum
from bastion.db.models.expressions import Value as Value
from bastion.db.models.fields import *  # noqa: F403
from bastion.db.models.manager import Manager as Manager
from bastion.db.models.options import CheckConstraint as CheckConstraint
from bastion.db.models.options import Index as Index
from bastion.db.models.options import UniqueConstraint as UniqueConstraint
from bastion.db.models.queryset import Prefetch as Prefetch
from bastion.db.models.queryset import QuerySet as QuerySet
from bastion.db.models.registry import registry as registry
from bastion.db.models.relations import CASCADE as CASCADE
from bastion.db.models.relations import DO_NOTHING as DO_NOTHING
from bastion.db.models.relations import PROTECT as PROTECT
from bastion.db.models.relations import RESTRICT as RESTRICT
from bastion.db.models.relations import SET as SET
from bastion.db.models.relations import SET_DEFAULT as SET_DEFAULT
from bastion.db.models.relations import SET_NULL as SET_NULL
from bastion.db.models.relations import ForeignKey as ForeignKey
from bastion.db.models.relations import ManyToManyField as ManyToManyField
from bastion.db.models.relations import OneToOneField as OneToOneField
