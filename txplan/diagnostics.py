"""Diagnostics: the one table of codes, and the records the checker emits.

Every code txplan can report is defined once in ``CODES``. The checker looks
codes up here (so a typo in a code is a KeyError in tests, not a silent new
code), and ``docs/diagnostics.md`` is generated from the same table.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from importlib import metadata
from urllib.parse import quote

from . import __version__

__all__ = [
    "CODES",
    "FORMATS",
    "JUDGED_AGAINST_TODAY",
    "SARIF_SCHEMA",
    "SARIF_SOURCE_ROOT",
    "Code",
    "Diagnostic",
    "Severity",
    "diagnostics_page",
    "did_you_mean",
    "format_github",
    "format_json",
    "format_sarif",
    "format_text",
    "make",
    "printable",
]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    title: str
    explanation: str
    example: str
    fix: str


def _error(code: str, title: str, explanation: str, example: str, fix: str) -> Code:
    return Code(code, Severity.ERROR, title, explanation, example, fix)


def _warning(code: str, title: str, explanation: str, example: str, fix: str) -> Code:
    return Code(code, Severity.WARNING, title, explanation, example, fix)


_TABLE: tuple[Code, ...] = (
    # -- the file and its YAML ------------------------------------------------
    _error("TX001", "file is not UTF-8 text",
           "Plans and templates are read as UTF-8. A file saved in another encoding, or a "
           "binary file, cannot be checked.",
           "A plan exported from a word processor as Windows-1252.",
           "Save the file as UTF-8 (every modern editor offers it)."),
    _error("TX002", "file is too large",
           "Files above the size limit are refused before they are parsed, so a stray "
           "export or a corrupt file cannot stall a build.",
           "A 50 MB file under plans/.",
           "Split the narrative or remove the embedded data; plans are a few pages."),
    _error("TX003", "no front matter",
           "A plan or template starts with a line holding only `---`, then the YAML front "
           "matter, then another `---` line.",
           "A file whose first line is `# Presenting concerns`.",
           "Add the front matter block at the very top of the file."),
    _error("TX004", "front matter is not closed",
           "The opening `---` has no matching closing `---` line, so txplan cannot tell "
           "where the YAML ends and the narrative begins.",
           "`---` on line 1 and no other `---` line.",
           "Add a line holding only `---` after the last front-matter key."),
    _error("TX005", "YAML syntax error",
           "The front matter is not valid YAML.",
           "`name: Jordan: Rivera` (a second `: ` inside a plain value).",
           "Fix the YAML at the position shown; quote values that contain `: ` or `#`."),
    _error("TX006", "duplicate key",
           "The same key appears twice in one mapping. YAML would silently keep only one "
           "of them, so txplan refuses the file.",
           "Two `homework:` keys under `interventions:`.",
           "Merge the two entries into one key."),
    _error("TX007", "YAML anchors and aliases are not allowed",
           "Plans and templates are plain data. Anchors (`&name`) and aliases (`*name`) hide "
           "repeated content and can expand without bound.",
           "`for: *all_objectives`",
           "Write the value out in full."),
    _error("TX008", "explicit YAML tags are not allowed",
           "Tags such as `!!python/object` or `!!str` ask the loader to build special "
           "objects. Plans are plain data, so every tag is refused.",
           "`name: !!python/object/apply:os.system ['ls']`",
           "Remove the tag; quote the value if it must stay a string."),
    _error("TX009", "tab character in YAML",
           "YAML indentation must use spaces. A tab is read differently by different "
           "editors and is refused by YAML itself.",
           "A line of the front matter indented with a tab.",
           "Replace the tab with spaces."),
    _error("TX010", "front matter is not a mapping",
           "The front matter must be a set of `key: value` pairs.",
           "A front matter that is only a list or a single word.",
           "Start the front matter with the top-level keys of the format."),
    _error("TX011", "control character in file",
           "Plans and templates are text. NUL and other control characters (apart from tab "
           "and line breaks) come from binary files or broken copy and paste. The rule holds for what "
           "a double-quoted YAML escape makes too (`\"\\0\"`, `\"\\x1b\"`, `\"\\uFFFE\"`): no chart "
           "can hold these characters, and some of them act on a terminal. The bidirectional embeddings and "
           "overrides (U+202A to U+202E) are refused in the front matter, in policy values and in a template's "
           "rendered text: one in a value reverses the chart's own words after it, so the chart would not read "
           "as written. The isolates (U+2066 to U+2069), which names copied from messaging apps carry, are "
           "allowed there when each one opened is closed on its line. In the narrative Markdown all of them are "
           "allowed, since each paragraph there is displayed on its own. The marks U+200E and U+200F are "
           "allowed everywhere.",
           "A NUL byte pasted into a client's name.",
           "Delete the character; retype the text around it if unsure."),
    _error("TX012", "nesting too deep",
           "The front matter nests lists or mappings deeper than any plan needs. Refused so "
           "that a malformed or hostile file cannot exhaust memory.",
           "A list nested 10,000 levels deep.",
           "Flatten the data to the shape of the format."),
    _error("TX013", "folder under plans/ cannot be read",
           "Plans are read from plans/ and every folder under it. A folder that cannot be listed (no "
           "permission, a broken disk, a symbolic link to a volume that is not mounted) is reported, its "
           "plans are not checked, and no chart is removed in that build, because txplan cannot tell which "
           "plans were deleted.",
           "plans/archive/ readable only by another user; plans/team-b linking to an unmounted share.",
           "Give the clinic's users read access to the folder, mount the volume, or remove the link."),
    _error("TX014", "plan folder named like another plan's chart",
           "A plan's outputs are named by its path under plans/: plans/a.md makes build/docx/a.docx, "
           "build/html/a.html, build/pdf/a.pdf and build/fhir/a.json. A sub-folder named like one of "
           "them (plans/a.docx/, plans/a.json/) beside that plan would need a folder where the other "
           "plan's chart is a file, so the plans in it can get no chart. They are refused, and the "
           "plan that owns the name keeps its chart.",
           "plans/c-0042.md and plans/c-0042.docx/follow-up.md.",
           "Rename the sub-folder (plans/c-0042-follow-up/), or move its plans elsewhere under plans/."),
    # -- the shape of the data -----------------------------------------------
    _error("TX101", "required field is missing",
           "The format requires this field.",
           "An objective without `target_date`.",
           "Add the field named in the message."),
    _error("TX102", "unknown key",
           "The key is not part of the format. Unknown keys are refused so that a typo "
           "(`homwork`) cannot hide a missing element.",
           "`interventions: {homwork: [...]}`",
           "Correct the spelling or remove the key; the message lists the allowed keys."),
    _error("TX103", "wrong type",
           "The value has the wrong kind: a list where text is expected, text where a "
           "number is expected, and so on.",
           "`strengths: Curious` (text where a list is expected).",
           "Give the value the kind the message names."),
    _error("TX104", "invalid date",
           "Dates are written `YYYY-MM-DD` and must exist on the calendar.",
           "`effective: 2026-02-30`",
           "Write a real date in ISO form."),
    _error("TX105", "value not allowed",
           "The field takes one of a fixed set of values.",
           "`schedule: fortnightly`",
           "Use one of the values listed in the message."),
    _error("TX106", "number out of bounds",
           "The number lies outside the bounds the format allows.",
           "`minutes: 5` (sessions are 15 to 240 minutes).",
           "Use a number inside the bounds in the message."),
    _error("TX107", "list is empty",
           "This list needs at least one entry.",
           "`strengths: []`",
           "Add at least one entry."),
    _error("TX108", "malformed value",
           "The text does not have the required shape (ids, schedules, ranges).",
           "`id: C 42` (ids use letters, digits, `-` and `_`).",
           "Rewrite the value in the shape given in the message."),
    _error("TX109", "intervention item needs exactly one of `use` or `text`",
           "An item either names a template (`use`, with optional `with`) or gives its own "
           "Markdown (`text`), never both and never neither.",
           "`- {use: thought-record, text: Daily record, for: [O1]}`",
           "Keep one of the two keys; `with` goes only with `use`."),
    _error("TX110", "placeholder not filled",
           "A value still holds a placeholder, `\u2039like this\u203a`, as `txplan new` writes them and the "
           "site's snippets show them. A plan with placeholders is not finished, so it gets no chart; the other "
           "findings a placeholder would cause at the same place are left out.",
           "`dob: \u2039YYYY-MM-DD\u203a` in a plan made by `txplan new`.",
           "Write this client's value in place of the placeholder, or delete an optional key you do not need."),
    # -- the plan's rules -----------------------------------------------------
    _error("TX201", "objective not served by any intervention",
           "Every objective needs at least one intervention item whose `for` names it, or "
           "nothing in the plan says how it will be reached.",
           "Objective O2 appears in no `for` list.",
           "Add the objective's id to the `for` list of the item that addresses it."),
    _error("TX202", "`for` names an unknown objective",
           "A `for` list may only name objectives defined under `problems`.",
           "`for: [O9]` when the plan has O1 and O2.",
           "Correct the id, or add the objective."),
    _error("TX203", "duplicate id",
           "Problem, goal and objective ids are unique within the plan, so that every "
           "reference is unambiguous.",
           "Two objectives both called `O1`.",
           "Rename one of them and update the `for` lists that refer to it."),
    _error("TX204", "review date is not after the effective date",
           "A plan is reviewed after it takes effect.",
           "`effective: 2026-11-02`, `review: 2026-10-01`",
           "Set `dates.review` to a later date."),
    _error("TX205", "review date is beyond the policy interval",
           "The clinic's policy (`review_interval_days`, 90 by default, as in 42 CFR "
           "456.180) sets the longest time between effective date and review.",
           "`review` 120 days after `effective` with a 90-day policy.",
           "Bring the review date forward."),
    _error("TX206", "target date is not after the effective date",
           "An objective's target date lies in the plan's future.",
           "`target_date: 2026-10-01` in a plan effective 2026-11-02.",
           "Set a target date after `dates.effective`."),
    _error("TX207", "date of birth is not before the effective date",
           "`client.dob` must lie in the past and before the plan takes effect.",
           "`dob: 2030-01-01`",
           "Correct the date of birth."),
    _error("TX208", "diagnosis code is not ICD-10-CM shaped",
           "Codes have the ICD-10-CM shape: a letter, two digits, then optionally a dot and "
           "one to four letters or digits.",
           "`code: 296.32` (a DSM-IV / ICD-9 code).",
           "Use the ICD-10-CM code, such as `F33.1`."),
    _error("TX209", "required intervention element is missing",
           "Each of the ten intervention elements is required unless the clinic's policy or "
           "the plan's facts make it conditional (see the elements reference).",
           "No `relationships` while a goal has `interpersonal: true`.",
           "Add the element under `interventions`."),
    _error("TX210", "safety plan part is empty",
           "A crisis plan follows the Stanley-Brown safety plan: warning signs, coping "
           "strategies, social distractions, support contacts, professional contacts and "
           "means safety. Each part must hold at least one entry.",
           "`crisis:` without `means_safety`.",
           "Fill in the missing part with the client."),
    _error("TX211", "no professional contact with a phone number",
           "At least one professional or agency contact in the safety plan needs a phone "
           "number the client can call, such as the 988 Suicide & Crisis Lifeline.",
           "`professional_contacts: [{name: Dr. Lee}]`",
           "Add a phone number to a professional contact."),
    _error("TX212", "score outside the instrument's range",
           "Baselines, targets and recorded scores must lie in the instrument's range "
           "(PHQ-9 0-27, GAD-7 0-21, PCL-5 0-80, ORS and SRS 0-40, or the `range` given).",
           "`baseline: 31` for PHQ-9.",
           "Correct the score."),
    _error("TX213", "target is not an improvement on the baseline",
           "For instruments where lower is better, the target is below the baseline; where "
           "higher is better (ORS, SRS, `better: higher`), above it.",
           "PHQ-9 `baseline: 9`, `target: 12`.",
           "Set a target on the better side of the baseline."),
    _error("TX214", "custom instrument has no range",
           "txplan knows PHQ-9, GAD-7, PCL-5, ORS and SRS. Any other instrument states its "
           "`range: [min, max]` (and `better: higher` when higher scores are better).",
           "`instrument: PDSS` without `range`.",
           "Add the instrument's published range."),
    _error("TX215", "range or direction contradicts a known instrument",
           "The range and direction of known instruments are fixed by txplan.",
           "`instrument: PHQ-9`, `range: [0, 30]`.",
           "Remove `range` and `better` for known instruments."),
    _error("TX216", "phone number cannot be dialled",
           "A phone in a safety plan is what a client in crisis dials. It is written as digits, with spaces, "
           "`( ) - .` between them and an optional leading `+`, 3 to 15 digits in all (988 and 911 count).",
           "`phone: \"call me\"`, `phone: 555-CALL`, `phone: ask at front desk`",
           "Write the number itself; put any note (hours, \"call or text\") in the contact's name."),
    _error("TX217", "no 24-hour crisis line among the professional contacts",
           "When the plan's risk level requires a safety plan, its professional contacts include a line that "
           "answers at any hour: the 988 Suicide & Crisis Lifeline, or one of the clinic's `crisis_lines` "
           "(policy). A clinician's office number is not enough at 3 am.",
           "`professional_contacts: [{name: Dr. Lee, phone: 555-0100}]` in a high-risk plan.",
           "Add `{name: 988 Suicide & Crisis Lifeline, phone: \"988\"}` or the clinic's own crisis line."),
    _error("TX218", "item9 on an instrument without an item 9",
           "`item9` records the PHQ-9's item 9 (thoughts of being better off dead or of self-harm), answered "
           "0 to 3. No other instrument has it, so a value there was meant for another measure.",
           "`item9: 1` in a GAD-7 score.",
           "Move it to the PHQ-9 score of the same day, or remove it."),
    _error("TX219", "date in the future",
           "A score, a screening or a closure is recorded after it happened, so its date cannot lie after the "
           "day of the check. A future date is a typo (2027 for 2026) or an invented value, and a chart would "
           "show it as progress.",
           "`- {date: 2027-11-16, score: 15}` checked in 2026.",
           "Correct the date."),
    _error("TX220", "unknown template",
           "`use` names a template that is not in templates/interventions/.",
           "`use: thougth-record`",
           "Correct the id or add the template; the site lists every template."),
    _error("TX221", "unknown template parameter",
           "`with` passes a parameter the template does not declare.",
           "`with: {frequncy: daily}`",
           "Use one of the parameters listed on the template's page."),
    _error("TX222", "missing required template parameter",
           "The template declares a parameter as required and gives no default.",
           "`use: behavioral-activation` without `with: {activities: ...}`.",
           "Add the parameter under `with`."),
    _error("TX223", "template cannot be rendered",
           "Rendering the template with the item's parameters failed, or produced a character that no "
           "chart or export can hold (a control character or a lone surrogate). The message names the kind "
           "of failure and the line of the template body, never the values the template was given.",
           "A template that loops over a parameter given as a number.",
           "Check the parameter values against the template's page."),
    _error("TX224", "closed plan without a closure",
           "A plan with `status: closed` records how it ended under `closure:` (date, reason, which discharge "
           "criteria were met, referrals and a summary), which becomes the chart's discharge summary.",
           "`status: closed` and no `closure:`, or an empty `closure:` (reported at the key).",
           "Add `closure:` with `date`, `reason`, `criteria_met` (all, some or none), `summary` and any `referrals`."),
    _error("TX225", "closure date is before the effective date",
           "A plan closes after it takes effect.",
           "`closure: {date: 2026-09-01, ...}` in a plan effective 2026-10-01.",
           "Correct the closure date."),
    _error("TX226", "item 9 does not fit the total score",
           "The PHQ-9's item 9 is one of the nine items summed into the score, so it can be no more than the score, "
           "and the eight other items (0 to 3 each) add at most 24 to it. An item 9 above the score, or a score more "
           "than 24 above item 9, cannot happen: the score or item 9 was typed wrong, or belongs to another day.",
           "`{date: 2026-11-16, score: 1, item9: 3}`; `{date: 2026-11-16, score: 27, item9: 0}`.",
           "Check the score and item 9 against the completed questionnaire and correct the one that is wrong."),
    _error("TX227", "score dated before the client was born",
           "A score is given by or about the client, so it cannot be dated before client.dob. Such a date is a "
           "typo (the year of birth typed for the year of the score, 1900 for 2026), and the progress graph would "
           "draw it decades before the plan.",
           "`- {date: 1990-11-16, score: 15}` for a client born in 1998.",
           "Correct the date of the score (or the date of birth, if that is what is wrong)."),
    # -- objective quality (warnings) ----------------------------------------
    _warning("TX301", "objective is not measurable",
             "The objective's statement has no number, frequency or date, so nobody can tell "
             "when it has been met.",
             "`Jordan will go out more.`",
             "Add a count, a frequency or a date: `... 3 times a week`."),
    _warning("TX302", "objective uses a vague verb",
             "Verbs such as improve, understand, explore, feel better and tolerate describe "
             "inner states an auditor cannot observe.",
             "`Jordan will improve mood.`",
             "Name an observable behaviour: `will complete`, `will report`, `will attend`."),
    _warning("TX303", "objective says \"may\" instead of \"will\"",
             "Objectives state what the client will do; \"may\" is a common audit finding.",
             "`Jordan may attend a group.`",
             "Write `will`."),
    _warning("TX304", "objective copied from another client's plan",
             "Plans must be individualized. An objective whose text is identical to one in "
             "another client's plan suggests copy and paste.",
             "The same sentence in plans of C-0042 and C-0077.",
             "Rewrite the objective for this client, in their words where possible."),
    _warning("TX305", "looks like a real identifier",
             "The text contains something shaped like a Social Security number (`123-45-6789`) or a "
             "medical record number (`MRN 1234567`). Plans live in a git repository and in charts; "
             "identifiers beyond the chart number do not belong in them, and example plans must stay "
             "fictional. The message never repeats the number.",
             "`Referred by Dr. Lee, MRN: 20481736.` in the narrative.",
             "Remove the number; refer to the client by the chart number in `client.id`."),
    _warning("TX306", "support contact without a phone",
           "Step 4 of the safety plan names people the client can reach when coping alone has not worked. "
           "Without a number written down, the client has to find it in the middle of a crisis.",
           "`support_contacts: [{name: Sam}]`",
           "Add the person's phone number with the client."),
    _warning("TX307", "safety-plan entry says nothing",
           "A Stanley-Brown safety plan is what the client reads and acts on in a crisis, so each step (warning "
           "signs, coping strategies, social distractions, the people and professionals to contact, means safety) "
           "is written with the client, in their own words. A placeholder such as \"none\", \"N/A\", \"not "
           "assessed\", \"deferred\", \"TBD\" or \"-\" fills the step without giving them anything to do, and in "
           "step 6 it does not show that access to lethal means (firearms, medication stockpiles) was asked about. "
           "Entries are compared without case or punctuation; a contact is judged by its name.",
           "`warning_signs: [none]`, `means_safety: [Not assessed]`",
           "Write the step with the client, such as \"Staying in bed past noon\" or \"No firearms in the home "
           "(asked client and partner); medications kept by partner\"."),
    _warning("TX308", "no suicide-risk screening recorded",
           "At or above the clinic's crisis level, the plan names the screening the risk level rests on, so an "
           "auditor can see that risk was screened with a standard instrument (Joint Commission NPSG.15.01.01).",
           "`risk: {level: high, summary: ...}` without `screening`.",
           "Add `screening: {instrument: C-SSRS, date: 2026-11-01}`."),
    _warning("TX309", "no risk reassessment schedule",
           "At or above the clinic's crisis level, the plan says how often risk is assessed again, so that "
           "reassessment is planned rather than left to chance.",
           "`risk: {level: moderate, summary: ...}` without `reassess`.",
           "Add `reassess: every session` (or `every 2 weeks`, `month`)."),
    _warning("TX310", "risk screening is out of date",
           "The screening took place longer before the plan's effective date than the clinic's review "
           "interval (`review_interval_days`), so the risk level may no longer reflect the client's state.",
           "A screening 200 days before the effective date with a 90-day interval.",
           "Screen again and record the new date."),
    _warning("TX311", "template used under another element",
           "Each template is written for one intervention element. Used under another, the chart files it in "
           "the wrong place, and crisis work (lethal-means counselling, CAMS, a crisis response plan) ends up "
           "apart from the safety plan it belongs with.",
           "`skills: [{use: crisis-response-plan, ...}]`, or an emotional-processing template as feedback.",
           "Move the item under the element the message names (crisis templates go under "
           "`interventions.crisis.items`), or write the item as `text`."),
    _warning("TX312", "PHQ-9 item 9 above 0 while risk level is none",
           "The most recent PHQ-9 that records item 9 (thoughts of being better off dead or of self-harm) has it "
           "above 0, while the plan records no risk. Any answer above 0 calls for a risk assessment. A later score "
           "that leaves `item9` out does not clear it: the message then names the score that recorded it.",
           "`risk: {level: none}` and a latest PHQ-9 score with `item9: 1`.",
           "Assess risk and update `risk` (level, summary, screening)."),
    _warning("TX313", "instrument used outside the ages it is made for",
           "Some instruments are made for a certain age group: the SRS for adults and adolescents (children "
           "6 to 12 complete the CSRS), the CSRS for children 6 to 12, the ORS from age 6. The client's age on "
           "the plan's effective date, from `client.dob`, is outside that range.",
           "`instrument: SRS` for a 10-year-old.",
           "Use the version made for the client's age, or check `client.dob`."),
    _warning("TX314", "score more precise than the instrument is scored",
           "The PHQ-9, GAD-7 and PCL-5 are sums of item answers, so their scores are whole numbers; the ORS, "
           "SRS and CSRS are measured on 10-cm lines, to one decimal place. A score with more places is a typo.",
           "`score: 12.5` for the PHQ-9.",
           "Correct the score."),
    _warning("TX315", "objective measured by an instrument the plan does not use",
           "The objective's `measure` names an instrument that is not among the plan's "
           "`evaluation.measures`, so the chart has no baseline, target or scores for it.",
           "`measure: GAD-7 every 2 weeks` in a plan that measures only the PHQ-9.",
           "Add the instrument under `evaluation.measures`, or correct the objective's measure."),
    _warning("TX316", "objective's schedule contradicts its measure",
           "The objective's `measure` says how often an instrument is given, and the instrument's entry under "
           "`evaluation.measures` says otherwise in `every`; one of them is out of date.",
           "`measure: PHQ-9 every 2 weeks` and `every: month` for the PHQ-9.",
           "Make the two schedules agree."),
    _warning("TX317", "objective describes what staff will do",
           "Objectives say what the client will do; what the therapist will do is an intervention. A "
           "staff-oriented objective (\"Therapist will teach coping skills\") is a common audit finding.",
           "`statement: Therapist will teach coping skills every session`",
           "Write the client's behaviour as the objective, and put the therapist's work in the intervention "
           "items (`techniques`, `skills`, ...) that serve it."),
    _warning("TX318", "objective is a no-harm contract",
           "\"Client will be safe\", \"will contract for safety\" or a refusal (\"will not attempt suicide\", "
           "\"won't hurt herself\", \"will refrain from self-harm\", \"agrees not to harm himself\") is a no-suicide "
           "contract: it is not measurable and has no evidence of preventing suicide. Safety is planned in the "
           "safety plan.",
           "`statement: Client will contract for safety`",
           "Write the safety work in `interventions.crisis` (the Stanley-Brown safety plan) and make the "
           "objective a behaviour, such as using 2 steps of the safety plan when ratings rise."),
    _warning("TX319", "closure on a plan that is not closed",
           "`closure:` records how a closed plan ended; on a draft or active plan it is not shown, and it may "
           "mean that `status: closed` was forgotten.",
           "`status: active` with `closure:`.",
           "Set `status: closed`, or remove `closure:` until the plan closes."),
    # -- templates ------------------------------------------------------------
    _error("TX401", "template id does not match its file name",
           "A template's `id` equals the file stem, so `use:` ids and files never drift.",
           "`id: thought-record` in templates/interventions/thought-records.md",
           "Rename the file or the id."),
    _error("TX402", "template body has a Jinja syntax error",
           "The body after the front matter is a Jinja2 template and could not be parsed.",
           "`{{ client.first_name }` (a missing brace).",
           "Fix the syntax at the line shown."),
    _error("TX403", "template body uses an undeclared name",
           "The body may use `client`, `clinician` and the parameters declared under "
           "`params`. Anything else would fail when a plan uses the template.",
           "`{{ frequncy }}` with a parameter called `frequency`.",
           "Declare the parameter or correct the name."),
    _error("TX404", "template parameter is both required and defaulted",
           "A parameter is either required (no default) or has a default.",
           "`focus: {required: true, default: work}`",
           "Remove `required` or the default."),
    _error("TX405", "template body reaches outside the sandbox",
           "Template bodies may not read other files (`include`, `import`, `from`, `extends`) or use "
           "names starting with `_`, which lead to Python internals. Templates are written by many "
           "hands, so these are refused before anything is rendered.",
           "`{{ ''.__class__.__mro__ }}` or `{% include '/etc/passwd' %}`",
           "Write the text into the template itself; use only `client`, `clinician` and parameters."),
    _error("TX406", "template fails with example values",
           "Every template is rendered once at check time with a fictional client and its parameter "
           "defaults (`[name]` for required ones). Rendering failed or passed a limit: output above "
           "100,000 characters, more than 1,000,000 steps, more than 2 seconds, an error such as "
           "dividing by zero, or output holding a character no chart can hold (`{{ \"\\ud800\" }}`).",
           "`{{ 'a' * 10**9 }}`, or a loop nested inside a loop over 100,000 items.",
           "Fix the expression at the line shown; a template renders a few paragraphs of text."),
    # -- outputs --------------------------------------------------------------
    _error("TX601", "chart could not be written",
           "The plan passed the check but its DOCX could not be saved (disk full, no "
           "permission, a folder in the way). Any earlier chart is left as it was.",
           "build/docx/ is read-only.",
           "Free disk space or fix the folder's permissions, then build again."),
    _error("TX602", "reference document cannot be used",
           "templates/chart.docx gives the charts their styles, margins and letterhead. It "
           "could not be read as a Word document, so no chart was written; earlier charts are "
           "left as they were.",
           "A chart.docx saved as .doc, or truncated by a failed copy.",
           "Save the reference document again from Word or LibreOffice as .docx, or remove it "
           "to use txplan's built-in styles."),
    _error("TX603", "chart could not be made",
           "The plan passed the check, but making its chart failed inside txplan. This is a bug in txplan, "
           "not in the plan: every plan that checks clean should get a chart. Any earlier chart is left "
           "as it was, and the other plans are built.",
           "A value that passes every rule but that the DOCX library cannot hold.",
           "Report the code and the plan's line count (not its content) to whoever maintains txplan; "
           "the message names the kind of failure, never a value."),
    _warning("TX604", "build state was damaged and is ignored",
             "build/.txplan-state.json records what each chart was built from, so that unchanged plans are not "
             "built again. It could not be read as txplan wrote it (edited by hand, cut short, or from "
             "another tool), so every chart is built again and nothing recorded in it is trusted or replayed.",
             "A state file whose diagnostics name a code txplan does not have.",
             "Nothing: this build replaces the state. If it happens again, check what else writes to build/."),
    _error("TX605", "PDF could not be made",
           "The plan passed the check and its DOCX chart was written, but LibreOffice did not convert it to PDF "
           "(it crashed, timed out, or refused the file). Any earlier PDF is left as it was; the next build tries "
           "again.",
           "LibreOffice killed by the system while converting.",
           "Build again; if it keeps failing, open the DOCX in LibreOffice to see whether it opens there."),
    # -- signatures -----------------------------------------------------------
    _warning("TX701", "plan changed after it was signed",
             "A signature covers a digest of the plan's text as it was signed. The plan has changed since (any "
             "edit but line endings and trailing spaces), so the signature belongs to an earlier version: the "
             "chart shows it as such, and the plan needs signing again. Such a record is not held to the names the "
             "plan has now (a corrected client name, another clinician): only to its own chart and its signature.",
             "A target date corrected after the client signed.",
             "Review the change with the signer, then `txplan sign PLAN --role ROLE` again."),
    _error("TX702", "signature does not verify",
           "`ssh-keygen -Y verify` refused the signature against the clinic's allowed-signers file: the record "
           "was edited after signing, the key that signed is not (or no longer) allowed for its signer, or "
           "its `valid-before`/`valid-after` did not cover the time the record says it signed.",
           "A record whose date was changed by hand, or a signer removed from signers/allowed_signers.",
           "Do not edit signature records; sign again with a key the allowed-signers file lists."),
    _error("TX703", "signature is not from the person the role names",
           "A record must name the plan's own chart (`client.id`). Clinician and supervisor signatures must come "
           "from the plan's own clinician or supervisor, whose names `[tool.txplan.signers]` maps to principals, "
           "and a supervisor's co-signature from someone other than the clinician; "
           "a client's signature must name the plan's client, and a client's or guardian's must be witnessed by "
           "the plan's clinician or supervisor and say how it was given. A guardian signs only a plan that needs "
           "one (a client under 18, or `guardian` in `signatures_required`).",
           "A supervisor signature on a plan that names no supervisor; a record copied from another client's "
           "signatures.",
           "Sign with the right person's key, or correct the plan's clinician or the signers table."),
    _warning("TX704", "required signature missing",
             "An active plan is in effect for an auditor once the people the policy names have signed it "
             "(`signatures_required`, by default the clinician and the client; a guardian when the client is "
             "under 18 on the effective date; the supervisor when one is named).",
             "An active plan without the client's signature.",
             "Sign with `txplan sign PLAN --role ROLE` (see docs/signatures.md)."),
    _warning("TX705", "signatures not verified: ssh-keygen is not installed",
             "Signatures are checked with OpenSSH's `ssh-keygen -Y verify`, which is not on this machine's PATH. "
             "The plan's records are neither accepted nor refused: the chart shows none of them as signed, and "
             "`check` says so once per signature file, at its first record.",
             "Checking a signed clinic on a machine without openssh-client.",
             "Install OpenSSH 8.2 or later (Debian/Ubuntu: `sudo apt-get install openssh-client`; it is built into "
             "macOS and Windows 10 and later), then check again."),
    _error("TX706", "allowed-signers file cannot be read",
           "The clinic's allowed-signers file (policy key `allowed_signers`, by default `signers/allowed_signers`) "
           "does not exist, cannot be read, or starts with a UTF-8 byte-order mark, which `ssh-keygen` does not "
           "accept. No signature can be verified against it: the records are neither accepted nor refused, and "
           "the charts show none of them as signed. Reported once, at the policy's `allowed_signers` key, or at "
           "the start of pyproject.toml when the default path is used. A file that does not exist is reported "
           "only once some plan has a signatures file: a clinic signing on paper needs none.",
           "`allowed_signers = \"signers/allowed-signers\"` with the file named `allowed_signers`; the file saved "
           "by Notepad with a byte-order mark.",
           "Correct the path in the policy, restore the file, or save it as UTF-8 without a byte-order mark."),
    # -- policy ---------------------------------------------------------------
    _error("TX501", "invalid clinic policy",
           "`[tool.txplan]` in pyproject.toml has an unknown key or a value of the wrong "
           "kind. Plans are still checked (against the default policy, so their findings are "
           "provisional), but no chart or other output is made until the policy is fixed: each would "
           "carry the wrong clinic name, confidentiality notice and rules. Earlier outputs are kept, "
           "reported stale.",
           "`review_interval_days = \"ninety\"`",
           "Fix the key named in the message; see the policy reference."),
)

CODES: dict[str, Code] = {c.code: c for c in _TABLE}

# Findings that compare a date with today ("after today"). Each can only go away as days pass, never appear, so a
# build may reuse a stored check result unless it holds one of these: then the plan is checked again.
JUDGED_AGAINST_TODAY: frozenset[str] = frozenset({"TX207", "TX219"})


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding, located in a file. Sorted by path, then position."""

    path: str
    line: int
    col: int
    code: str
    message: str

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        """One line, whatever the path or the message hold (see ``printable``)."""
        return f"{printable(self.path)}:{self.line}:{self.col}: {self.severity.value} {self.code} {printable(self.message)}"

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "severity": self.severity.value}


# What a terminal would act on rather than show: C0 controls (line breaks and tab included: a file name
# holding a newline could otherwise forge a diagnostic line), DEL and C1 controls (ESC and CSI sequences
# repaint the screen or set the window title), the bidirectional controls that reorder what is shown
# (Trojan Source, CVE-2021-42574), line and paragraph separators, and lone surrogates (a file name that
# is not UTF-8, which printing would otherwise crash on).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: each character a terminal would act on is written as an escape
    (``\\n``, ``\\x1b``, ``\\u202e``), so what is printed is one line, shown as it is stored.

    Text output uses it once, where it is formatted: ``Diagnostic.format`` for diagnostics, the status table
    and its CSV. JSON needs no help when written in ASCII (``json.dumps``' default), which escapes them all.
    """
    return _UNPRINTABLE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    character = match.group()
    code = ord(character)
    return _SHORT_ESCAPES.get(character) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def make(path: str, pos: tuple[int, int], code: str, message: str) -> Diagnostic:
    if code not in CODES:
        raise KeyError(f"undefined diagnostic code {code}")
    return Diagnostic(path, pos[0], pos[1], code, message)


def did_you_mean(typed: str, known: Iterable[str]) -> str:
    """``; did you mean `NAME`?`` for the known name closest to what was typed, or "" when none is close.

    One helper for every misspelling txplan can guess at (keys of the format, policy keys, template ids, element
    keys, instrument names), so that all suggestions read alike. Only a name from ``known`` is ever shown, never
    what was typed, which may be a value. Case, spaces and punctuation are ignored when comparing, so `PHQ9`,
    `phq 9` and `Phq-9` all find `PHQ-9`, and `emotional-processing` finds `emotional_processing`.
    """
    names = {_folded(name): name for name in known}
    close = difflib.get_close_matches(_folded(typed), list(names), n=1)
    return f"; did you mean `{names[close[0]]}`?" if close else ""


def _folded(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


def format_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "".join(d.format() + "\n" for d in diagnostics)


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diagnostics], indent=2) + "\n"


# -- GitHub Actions workflow commands ---------------------------------------------------------------------------
# The runner reads `::error file=F,line=L,col=C,title=T::MESSAGE` from a step's output and undoes exactly these
# escapes (actions/toolkit's command.ts): in the message `%`, CR and LF; in a property also `:` and `,`, which
# would otherwise end it. No path or message can therefore add a line or a property of its own.
_GITHUB_DATA = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_GITHUB_PROPERTY = {**_GITHUB_DATA, ":": "%3A", ",": "%2C"}


def _github_escaped(text: str, escapes: dict[str, str]) -> str:
    """``text`` escaped for a workflow command; what a terminal would act on (ESC) is then shown as an escape."""
    return printable("".join(escapes.get(character, character) for character in text))


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    """One GitHub Actions annotation per diagnostic, on the file at its line and column, titled by its code."""
    lines = []
    for d in diagnostics:
        properties = {"file": d.path, "line": str(d.line), "col": str(d.col), "title": d.code}
        shown = ",".join(f"{name}={_github_escaped(value, _GITHUB_PROPERTY)}" for name, value in properties.items())
        lines.append(f"::{d.severity.value} {shown}::{_github_escaped(d.message, _GITHUB_DATA)}\n")
    return "".join(lines)


# -- SARIF 2.1.0 ----------------------------------------------------------------------------------------------
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_SOURCE_ROOT = "%SRCROOT%"  # what code-scanning tools resolve to the checkout: paths are relative to the clinic


def format_sarif(diagnostics: Iterable[Diagnostic]) -> str:
    """A SARIF 2.1.0 log with one run of txplan: a rule for each code found (its title, explanation, example and
    fix from ``CODES``) and a result for each diagnostic, located by its path under the clinic and line:column."""
    found = list(diagnostics)
    codes = sorted({d.code for d in found})
    index = {code: i for i, code in enumerate(codes)}
    driver: dict[str, object] = {"name": "txplan", "version": __version__, "rules": [_sarif_rule(c) for c in codes]}
    results = [{
        "ruleId": d.code,
        "ruleIndex": index[d.code],
        "level": d.severity.value,
        "message": {"text": d.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": quote(d.path, safe="/"), "uriBaseId": SARIF_SOURCE_ROOT},
            "region": {"startLine": d.line, "startColumn": d.col},
        }}],
    } for d in found]
    run = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _sarif_rule(code: str) -> dict[str, object]:
    entry = CODES[code]
    rule: dict[str, object] = {
        "id": entry.code,
        "name": re.sub(r"[^a-z0-9]+", "-", entry.title.lower()).strip("-"),
        "shortDescription": {"text": entry.title},
        "fullDescription": {"text": entry.explanation},
        "help": {"text": f"{entry.fix} Example: {entry.example}",
                 "markdown": f"{entry.explanation}\n\n*Example:* {entry.example}\n\n*How to fix:* {entry.fix}"},
        "defaultConfiguration": {"level": entry.severity.value},
    }
    page = diagnostics_page()
    if page is not None:
        rule["helpUri"] = f"{page}#{entry.code.lower()}"
    return rule


def diagnostics_page() -> str | None:
    """The address of docs/diagnostics.md as published, from the installed package's ``Diagnostics`` project URL
    (``[project.urls]`` in pyproject.toml); None while txplan declares none, since SARIF wants an absolute address
    there and a guessed one would be a dead link. Every rule carries its whole help text either way."""
    try:
        urls = metadata.metadata("txplan").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    return next((url.strip() for label, _, url in (u.partition(",") for u in urls) if label.strip() == "Diagnostics"),
                None)


FORMATS: dict[str, Callable[[Sequence[Diagnostic]], str]] = {
    "json": format_json, "github": format_github, "sarif": format_sarif}
"""The machine-readable formats of ``check --format``, written to stdout."""
