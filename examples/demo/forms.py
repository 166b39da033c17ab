"""The demo's forms: the note form, built from the ``Note`` model, and the share form."""

from typing import Any

from bastion import forms
from bastion.http.uploads import UploadedFile
from examples.demo.notes.models import Note


class NoteForm(forms.ModelForm):
    """Title, text and an optional attachment; the model's rules are the validation.

    The attachment's type is checked by its content (PNG, JPEG, PDF or plain text, at most
    1 MiB: the model field's ``allowed_types`` and ``max_size``). ``attachment_name`` is not
    on the form (it is ``editable=False``): it is set here, from the upload's display name,
    so a client cannot post a name without a file.
    """

    class Meta:
        model = Note
        fields = ("title", "body", "attachment")

    def save(self, commit: bool = True) -> Any:
        """Save the note, keeping the client's (cleaned) file name when a new file came."""
        upload = self.cleaned_data.get("attachment")
        if isinstance(upload, UploadedFile):
            self.instance.attachment_name = upload.filename
        return super().save(commit)


class ShareForm(forms.Form):
    """Who to share a note with (a user's email address), and whether they may edit it."""

    email = forms.EmailField(label="Email address of the user to share with")
    can_edit = forms.BooleanField(label="They may edit it too", required=False)
