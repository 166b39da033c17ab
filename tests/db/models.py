"""The models every ORM behaviour test runs against (app label ``dbtests``)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from bastion.db import models


class Status(enum.StrEnum):
    DRAFT = "draft"
    LIVE = "live"


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    website = models.URLField(blank=True, default="")
    mentor = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="mentees"
    )

    class Meta:
        app_label = "dbtests"
        ordering = ["name"]


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)

    class Meta:
        app_label = "dbtests"


class PublishedQuerySet(models.QuerySet[Any]):
    def published(self) -> Any:
        return self.filter(status=Status.LIVE)


class LiveManager(models.Manager[Any]):
    def get_queryset(self) -> Any:
        return super().get_queryset().filter(status=Status.LIVE)


class Article(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="articles")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    published = models.DateTimeField(null=True, blank=True)
    uid = models.UUIDField(default=uuid.uuid4)
    reading = models.DurationField(default=dt.timedelta(0))
    blob = models.BinaryField(null=True, blank=True)
    at = models.TimeField(null=True, blank=True)
    day = models.DateField(null=True, blank=True)
    featured = models.BooleanField(default=False)
    views = models.IntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    tags = models.ManyToManyField(Tag, related_name="articles", blank=True)

    objects = PublishedQuerySet.as_manager()
    live = LiveManager()

    class Meta:
        app_label = "dbtests"


class Profile(models.Model):
    author = models.OneToOneField(Author, on_delete=models.CASCADE, related_name="profile")
    bio = models.TextField(blank=True, default="")

    class Meta:
        app_label = "dbtests"


class Group(models.Model):
    name = models.CharField(max_length=50)
    members = models.ManyToManyField(Author, through="Membership", related_name="groups")

    class Meta:
        app_label = "dbtests"


class Membership(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    role = models.CharField(max_length=20, default="member")

    class Meta:
        app_label = "dbtests"
        unique_together = [("group", "author")]


class Publisher(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "dbtests"


class Book(models.Model):
    """Every on_delete rule that is not CASCADE, pointing at a publisher."""

    title = models.CharField(max_length=100)
    protected = models.ForeignKey(
        Publisher, on_delete=models.PROTECT, null=True, blank=True, related_name="protected_books"
    )
    restricted = models.ForeignKey(
        Publisher,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="restricted_books",
    )
    nullable = models.ForeignKey(
        Publisher, on_delete=models.SET_NULL, null=True, blank=True, related_name="nullable_books"
    )
    defaulted = models.ForeignKey(
        Publisher,
        on_delete=models.SET_DEFAULT,
        null=True,
        blank=True,
        default=None,
        related_name="defaulted_books",
    )

    class Meta:
        app_label = "dbtests"


class Seat(models.Model):
    """A UniqueConstraint and a CheckConstraint."""

    room = models.CharField(max_length=20)
    number = models.IntegerField()
    price = models.IntegerField(default=0)

    class Meta:
        app_label = "dbtests"
        constraints = [
            models.UniqueConstraint(fields=["room", "number"], name="dbtests_seat_room_number"),
            models.CheckConstraint(check=models.Q(price__gte=0), name="dbtests_seat_price_gte_0"),
        ]


class Node(models.Model):
    """A self-referential tree."""

    name = models.CharField(max_length=50)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )

    class Meta:
        app_label = "dbtests"


class Measure(models.Model):
    """Every scalar field type, for round trips."""

    small = models.SmallIntegerField(default=0)
    big = models.BigIntegerField(default=0)
    pos = models.PositiveIntegerField(default=0)
    pos_small = models.PositiveSmallIntegerField(default=0)
    pos_big = models.PositiveBigIntegerField(default=0)
    ratio = models.FloatField(default=0.0)
    slug = models.SlugField(blank=True, default="")

    class Meta:
        app_label = "dbtests"


class Ticket(models.Model):
    """Nothing but its generated key: an INSERT with no column to send."""

    class Meta:
        app_label = "dbtests"


REGISTRY = models.registry

ALL_MODELS = [
    Author, Tag, Article, Profile, Group, Membership, Publisher, Book, Seat, Node, Measure,
    Ticket,
]  # fmt: skip
