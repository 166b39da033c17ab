"""What changed in the models since the last migration: replay, then compare.

The migrated schema is whatever the existing migration files build, so that is what the
models are compared with: every app's migrations run on an empty in-memory SQLite database
(:class:`SchemaReplay`) and Alembic's autogenerate compares one app's tables at a time with
the result. Comparing with the project's real database instead would make the answer
depend on whether that database happens to be up to date, and would need it to be reachable.

SQLite's view of types is coarser than PostgreSQL's or MariaDB's (a ``DateTime`` with and
without time zone are both ``DATETIME`` there), so a change that only another database would
see is not detected; add such a migration by hand (``makemigrations --empty``).

While replaying, the tables each migration creates are credited to its app; a table that is
in the database but no longer in the models is dropped only by the app that created it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy.pool import StaticPool

from bastion.db.migrations.conventions import VERSION_TABLE
from bastion.db.migrations.errors import MigrationError
from bastion.db.migrations.existing_rows import PortableDefault
from bastion.db.migrations.project import MigrationScripts, alembic_errors
from bastion.db.migrations.runtime import CONNECTION, ON_VERSION_APPLY, REPLAY

__all__ = ["Changes", "RenameHook", "SchemaReplay", "render_ops"]

RenameHook = Callable[[str, str, str], bool]
"""``rename(table, old_column, new_column)``: whether a removed and an added column of the
same type are one column renamed (its data kept) rather than two changes."""


@dataclass
class Changes:
    """One app's model changes, as Alembic operations.

    Attributes:
        app_label: the app.
        upgrade_ops: the operations that bring the migrated schema to the models.
        downgrade_ops: the operations that undo them.
        referenced_tables: tables of other apps that new foreign keys point at.
    """

    app_label: str
    upgrade_ops: ops.UpgradeOps
    downgrade_ops: ops.DowngradeOps
    referenced_tables: set[str]


def _shapes(connection: sa.Connection) -> dict[str, frozenset[str]]:
    """Each table's column names, as the replay database has them now."""
    inspector = sa.inspect(connection)
    return {
        name: frozenset(column["name"] for column in inspector.get_columns(name))
        for name in inspector.get_table_names()
    }


class SchemaReplay:
    """An in-memory SQLite database with all migrations applied, used as a context manager.

    Args:
        scripts: the migration files of every installed app.
    """

    def __init__(self, scripts: MigrationScripts) -> None:
        self.scripts = scripts
        self.owners: dict[str, str] = {}
        """Table name → label of the app whose migration created it."""
        self.shaped_by: dict[str, str] = {}
        """Table name → the last migration that created it or changed its columns: what a
        migration with a foreign key into the table has to wait for."""
        self._engine = sa.create_engine("sqlite://", poolclass=StaticPool)
        self._connection: sa.Connection | None = None

    def __enter__(self) -> SchemaReplay:
        connection = self._connection = self._engine.connect()
        shapes = _shapes(connection)
        connection.rollback()

        def credit(*, ctx: MigrationContext, step: MigrationInfo, **_: Any) -> None:
            """After each migration, give the tables it created to its app."""
            nonlocal shapes
            now = _shapes(connection)
            revision = step.up_revision_ids[0]
            label = self.scripts.label_of(revision)
            for name in now.keys() - shapes.keys():
                self.owners[name] = label
            for name in shapes.keys() - now.keys():
                self.owners.pop(name, None)
                self.shaped_by.pop(name, None)
            for name, columns in now.items():
                if shapes.get(name) != columns:
                    self.shaped_by[name] = revision
            shapes = now

        config = self.scripts.config
        config.attributes.update({CONNECTION: connection, ON_VERSION_APPLY: credit, REPLAY: True})
        try:
            with alembic_errors("replay the existing migrations"):
                command.upgrade(config, "heads")
            if connection.in_transaction():
                connection.commit()
        except Exception as exc:
            self.__exit__(None, None, None)
            if isinstance(exc, MigrationError):
                raise
            failed = self.scripts.revision_in_traceback(exc) or "a migration"
            raise MigrationError(
                "makemigrations replays the existing migrations on an empty SQLite database "
                f"to learn the migrated schema, and {failed} failed there: "
                f"{type(exc).__name__}: {exc}. A migration that needs another database can "
                "skip that run: `if bastion.db.migrations.replaying(): return`."
            ) from exc
        finally:
            for key in (CONNECTION, ON_VERSION_APPLY, REPLAY):
                config.attributes.pop(key, None)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._engine.dispose()

    def diff(
        self, app_label: str, metadata: sa.MetaData, rename: RenameHook | None = None
    ) -> Changes | None:
        """The changes of one app's tables (``metadata``) against the replayed schema.

        Args:
            app_label: the app.
            metadata: the app's tables; tables marked ``info["bastion_external"]`` belong to
                other apps and are only there for foreign keys.
            rename: asked about each removed/added column pair of one table with the same
                type; without it such a pair stays a removal and an addition.

        Returns:
            The changes, or None when the app's tables match its migrations.
        """
        connection = self._connection
        if connection is None:
            raise RuntimeError("SchemaReplay.diff() runs inside `with SchemaReplay(...):`.")
        own = {
            table.name
            for table in metadata.tables.values()
            if not table.info.get("bastion_external")
        }

        def include_name(name: str | None, type_: str, _parents: Any) -> bool:
            """Reflect only this app's tables: the models' and those its migrations made."""
            if type_ == "table":
                return name in own or self.owners.get(name or "") == app_label
            return True

        def include_object(
            obj: Any, _name: str | None, type_: str, reflected: bool, _compare_to: Any
        ) -> bool:
            """Never create another app's table copied in for a foreign key."""
            return not (type_ == "table" and not reflected and obj.info.get("bastion_external"))

        context = MigrationContext.configure(
            connection=connection,
            opts={
                "target_metadata": metadata,
                "include_name": include_name,
                "include_object": include_object,
                "compare_type": True,
                "render_as_batch": True,
                "version_table": VERSION_TABLE,
            },
        )
        try:
            script = produce_migrations(context, metadata)
            upgrade = script.upgrade_ops
            if upgrade is not None:
                _compare_check_constraints(upgrade, metadata, connection, own)
        finally:
            connection.rollback()
        if upgrade is None or upgrade.is_empty():
            return None
        if rename is not None:
            _detect_renames(upgrade, metadata, rename)
        _keep_model_types(upgrade, metadata)
        downgrade = upgrade.reverse()
        _drop_indexes_with_their_tables(upgrade)
        _drop_indexes_with_their_tables(downgrade)
        _portable_types(downgrade, _type_ids(metadata))
        _portable_types(upgrade, _type_ids(metadata))
        _drop_autoincrement_false(upgrade)
        _drop_autoincrement_false(downgrade)
        return Changes(app_label, upgrade, downgrade, _referenced_tables(upgrade, own))


def _type_ids(metadata: sa.MetaData) -> set[int]:
    return {id(column.type) for table in metadata.tables.values() for column in table.columns}


def _compare_check_constraints(
    upgrade: ops.UpgradeOps, metadata: sa.MetaData, connection: sa.Connection, own: set[str]
) -> None:
    """Add and drop named CHECK constraints of existing tables, which Alembic leaves out.

    Constraints are matched by name: a changed condition under the same name is not seen
    (rename the constraint to have it replaced). New tables get theirs in ``create_table``.
    """
    inspector = sa.inspect(connection)
    present = set(inspector.get_table_names())
    for name in sorted(own & present):
        wanted = {
            str(check.name): check
            for check in metadata.tables[name].constraints
            if isinstance(check, sa.CheckConstraint)
            and check.name not in (None, "_unnamed_")
            and not getattr(check, "_type_bound", False)  # Boolean/Enum's own checks
        }
        found = {
            str(check["name"]): str(check["sqltext"])
            for check in inspector.get_check_constraints(name)
            if check.get("name")
        }
        changes: list[ops.MigrateOperation] = [
            ops.CreateCheckConstraintOp(check, name, wanted[check].sqltext)
            for check in sorted(wanted.keys() - found.keys())
        ]
        changes += [
            ops.DropConstraintOp(
                check,
                name,
                type_="check",
                _reverse=ops.CreateCheckConstraintOp(check, name, sa.text(found[check])),
            )
            for check in sorted(found.keys() - wanted.keys())
        ]
        if not changes:
            continue
        table_ops = next(
            (
                op
                for op in upgrade.ops
                if isinstance(op, ops.ModifyTableOps) and op.table_name == name
            ),
            None,
        )
        if table_ops is None:
            table_ops = ops.ModifyTableOps(name, [])
            upgrade.ops.append(table_ops)
        table_ops.ops.extend(changes)


class _RenameColumnOp(ops.AlterColumnOp):
    """A column rename whose reverse renames it back (Alembic's reverse forgets the name)."""

    def reverse(self) -> ops.AlterColumnOp:
        return _RenameColumnOp(
            self.table_name,
            self.modify_name or self.column_name,
            schema=self.schema,
            modify_name=self.column_name,
            existing_type=self.existing_type,
            existing_nullable=self.existing_nullable,
            existing_server_default=self.existing_server_default,
        )


def _detect_renames(upgrade: ops.UpgradeOps, metadata: sa.MetaData, rename: RenameHook) -> None:
    """Turn confirmed (removed, added) column pairs into renames, which keep the data."""
    dialect = sa.create_engine("sqlite://").dialect
    for table_ops in upgrade.ops:
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        table = table_ops.table_name
        dropped = [op for op in table_ops.ops if isinstance(op, ops.DropColumnOp)]
        for added in [op for op in table_ops.ops if isinstance(op, ops.AddColumnOp)]:
            new = added.column
            for gone in dropped:
                old = gone.to_column()
                if (
                    _compiled(old.type, dialect) == _compiled(new.type, dialect)
                    and old.nullable == new.nullable
                    and rename(table, gone.column_name, new.name)
                ):
                    position = table_ops.ops.index(added)
                    table_ops.ops[position] = _RenameColumnOp(
                        table,
                        gone.column_name,
                        schema=table_ops.schema,
                        modify_name=new.name,
                        existing_type=new.type,
                        existing_nullable=new.nullable,
                        existing_server_default=new.server_default or False,
                    )
                    table_ops.ops.remove(gone)
                    dropped.remove(gone)
                    break


def _compiled(type_: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> str:
    try:
        return str(type_.compile(dialect=dialect))
    except sa.exc.CompileError:  # a type SQLite cannot show never matches
        return repr(type_)


def _drop_indexes_with_their_tables(container: ops.OpContainer) -> None:
    """Leave out dropping the indexes of a table that is dropped anyway.

    Autogenerate drops a table's indexes before the table; MariaDB refuses to drop an index
    that a foreign key uses, while dropping the table takes its indexes along everywhere.
    """
    dropped = {op.table_name for op in container.ops if isinstance(op, ops.DropTableOp)}
    if not dropped:
        return
    kept: list[ops.MigrateOperation] = []
    for op in container.ops:
        if isinstance(op, ops.ModifyTableOps) and op.table_name in dropped:
            op.ops = [inner for inner in op.ops if not isinstance(inner, ops.DropIndexOp)]
            if not op.ops:
                continue
        elif isinstance(op, ops.DropIndexOp) and op.table_name in dropped:
            continue
        kept.append(op)
    container.ops = kept


def _keep_model_types(upgrade: ops.UpgradeOps, metadata: sa.MetaData) -> None:
    """Describe an unchanged column type by the model's type, not by SQLite's reflection.

    MariaDB must repeat a column's full type to change its nullability or name; the model's
    type (``DATETIME(fsp=6)`` on MariaDB) is what the column really is there, while SQLite
    only knows ``DATETIME``.
    """
    for table_ops in upgrade.ops:
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        table = metadata.tables.get(table_ops.table_name)
        if table is None:
            continue
        for op in table_ops.ops:
            if isinstance(op, ops.AlterColumnOp) and op.modify_type is None:
                column = table.columns.get(op.modify_name or op.column_name)
                if column is not None:
                    op.existing_type = column.type


def _portable_types(container: ops.OpContainer, model_types: set[int]) -> None:
    """Replace SQLite's reflected types with generic ones, so every database can run them.

    Where a type comes from the replayed SQLite schema (recreating a dropped column or
    table, the old type of a changed column), SQLite's own spelling (``DATETIME``) would fail
    on PostgreSQL; ``as_generic()`` gives ``sa.DateTime()``, which each database renders
    its own way. Types taken from the models are left as they are.
    """

    def generic(type_: Any) -> Any:
        if type_ is None or id(type_) in model_types:
            return type_
        # SQLAlchemy raises NotImplementedError for types with no generic counterpart
        # (dialect-only types): those are kept as reflected.
        with contextlib.suppress(NotImplementedError):
            return type_.as_generic()
        return type_

    def columns(op: ops.MigrateOperation) -> Iterable[sa.Column[Any]]:
        if isinstance(op, ops.AddColumnOp):
            yield op.column
        elif isinstance(op, ops.CreateTableOp):
            yield from (c for c in op.columns if isinstance(c, sa.Column))

    for op in container.ops:
        if isinstance(op, ops.OpContainer):
            _portable_types(op, model_types)
            continue
        for column in columns(op):
            column.type = generic(column.type)
        if isinstance(op, ops.AlterColumnOp):
            op.existing_type = generic(op.existing_type)
            op.modify_type = generic(op.modify_type)


def _drop_autoincrement_false(container: ops.OpContainer) -> None:
    """Leave ``autoincrement=False`` out of ``alter_column()``.

    Fields declare it on every column, and Alembic repeats it when it changes a column's
    nullability or type; on PostgreSQL and SQLite Alembic then warns that it only means
    something on MySQL, where leaving it out means the same (no ``AUTO_INCREMENT``).
    """
    for op in container.ops:
        if isinstance(op, ops.OpContainer):
            _drop_autoincrement_false(op)
        elif isinstance(op, ops.AlterColumnOp) and op.kw.get("autoincrement") is False:
            del op.kw["autoincrement"]


def _referenced_tables(upgrade: ops.UpgradeOps, own: set[str]) -> set[str]:
    """Other apps' tables that foreign keys created by these operations point at."""
    targets: set[str] = set()

    def visit(container: ops.OpContainer) -> None:
        for op in container.ops:
            if isinstance(op, ops.OpContainer):
                visit(op)
            elif isinstance(op, ops.CreateTableOp):
                for item in op.columns:
                    if isinstance(item, sa.Column):
                        targets.update(_fk_table(fk) for fk in item.foreign_keys)
                    elif isinstance(item, sa.ForeignKeyConstraint):
                        targets.update(_fk_table(fk) for fk in item.elements)
            elif isinstance(op, ops.AddColumnOp):
                targets.update(_fk_table(fk) for fk in op.column.foreign_keys)
            elif isinstance(op, ops.CreateForeignKeyOp):
                targets.add(op.referent_table)

    visit(upgrade)
    return targets - own


def _fk_table(fk: sa.ForeignKey) -> str:
    return fk.target_fullname.rpartition(".")[0]


def render_ops(container: ops.UpgradeOps | ops.DowngradeOps) -> tuple[str, set[str]]:
    """Python source for ``upgrade()``/``downgrade()`` and the imports it needs.

    Rendering happens in a SQLite context (as the comparison does), where Alembic would
    write PostgreSQL types such as ``JSONB(astext_type=Text())`` without their prefixes; a
    ``render_item`` hook hands those to Alembic's PostgreSQL renderer. The same hook is how
    the render context, which collects the imports that types ask for (``from
    sqlalchemy.dialects import mysql``), is reached. The hook also writes the server
    defaults that fill existing rows (:class:`PortableDefault`) as they are, since
    Alembic's own rendering would strip quotes at either end of a string default.
    """
    contexts: list[AutogenContext] = []
    postgresql = MigrationContext.configure(dialect_name="postgresql").impl

    def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
        contexts.append(autogen_context)
        if kind == "server_default" and isinstance(obj, PortableDefault):
            return obj.source
        if kind == "type" and type(obj).__module__.startswith("sqlalchemy.dialects.postgresql"):
            rendered = postgresql.render_type(obj, autogen_context)
            if rendered:
                autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
            return rendered
        return False

    dialect = sa.create_engine("sqlite://").dialect
    context = MigrationContext.configure(dialect=dialect, opts={"render_as_batch": True})
    source = render_python_code(
        container, render_as_batch=True, render_item=render_item, migration_context=context
    )
    imports = set().union(*(ctx.imports for ctx in contexts)) if contexts else set()
    return source, imports
