from django import forms

from annotations.models import ClaimStatus
from desk.forms import TextCheckedForm


class ClaimReviewForm(TextCheckedForm):
    status = forms.ChoiceField(choices=ClaimStatus.choices)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Why: one or two sentences. Needed for a verdict.",
    )
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Links to sources, one per line.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, claim, **kwargs):
        if not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "status": claim.status,
                "rationale": claim.rationale,
                "evidence": "\n".join(claim.evidence or []),
                "version": claim.version,
            }
        super().__init__(*args, **kwargs)

    def clean_evidence(self):
        return [line.strip() for line in self.cleaned_data["evidence"].splitlines() if line.strip()]

    def error_summary(self):
        return "; ".join(f"{field}: {' '.join(errors)}" for field, errors in self.errors.items())
