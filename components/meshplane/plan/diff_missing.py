"""The diff's Markdown when one side cannot be read (the base branch or the pull request could not be
planned): a warning in the comment instead of nothing, naming the side and what to do."""

from __future__ import annotations

from .review_format import escape


def unavailable_markdown(reason: str) -> str:
    """A ``> [!WARNING]`` block: no diff, why, and what that means for the check."""
    return "\n".join([
        "### meshplane diff", "",
        "> [!WARNING]",
        "> **No diff: one side could not be planned.**",
        f"> {escape(reason[:1].upper() + reason[1:])}.",
        "> Without both plans nothing can say what this change deletes or who gains access; the check "
        "fails until both plan (the plan's caution above, or the job log, says why).",
    ]) + "\n"
