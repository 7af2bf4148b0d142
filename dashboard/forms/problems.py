"""Node refusals on forms: the one way a node error names the field it is about."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django import forms


class NodeProblemForm(forms.Form):
    """A form that shows a node refusal next to the field it concerns, else on top.

    The node names a field by its path in the request (`task_data.reward_amount`); its last part is looked
    up in NODE_FIELDS (the form field that entered it; None: on top), else taken as the form field's name.
    """

    NODE_FIELDS: ClassVar[Mapping[str, str | None]] = {}

    def add_node_problem(self, message: str, node_field: str | None) -> None:
        """Show a node refusal next to the field it names (`task_data.reward_amount` → reward), else on top."""
        name = (node_field or "").split(".")[-1]
        field = self.NODE_FIELDS.get(name, name)
        self.add_error(field if field in self.fields else None, message)
