"""English irregular verb forms -> base form, so "won" matches "win" (Snowball stems only suffixes)."""

from __future__ import annotations

_FORMS = """
arise arose arisen|awake awoke awoken|be was were been|bear bore born borne|beat beaten|become became|
begin began begun|bend bent|bet|bid|bind bound|bite bit bitten|bleed bled|blow blew blown|break broke broken|
bring brought|build built|burn burnt|buy bought|catch caught|choose chose chosen|come came|cost|creep crept|
cut|deal dealt|dig dug|do did done|draw drew drawn|dream dreamt|drink drank drunk|drive drove driven|
eat ate eaten|fall fell fallen|feed fed|feel felt|fight fought|find found|flee fled|fly flew flown|
forbid forbade forbidden|forget forgot forgotten|forgive forgave forgiven|freeze froze frozen|get got gotten|
give gave given|go went gone|grow grew grown|hang hung|have had has|hear heard|hide hid hidden|hit|hold held|
hurt|keep kept|know knew known|lay laid|lead led|leave left|lend lent|let|lie lay lain|lose lost|make made|
mean meant|meet met|pay paid|put|quit|read|ride rode ridden|ring rang rung|rise rose risen|run ran|say said|
see saw seen|seek sought|sell sold|send sent|set|shake shook shaken|shine shone|shoot shot|show shown|
shrink shrank shrunk|shut|sing sang sung|sink sank sunk|sit sat|sleep slept|slide slid|speak spoke spoken|
spend spent|spin spun|split|spread|stand stood|steal stole stolen|stick stuck|sting stung|strike struck|
swear swore sworn|sweep swept|swim swam swum|swing swung|take took taken|teach taught|tear tore torn|
tell told|think thought|throw threw thrown|understand understood|wake woke woken|wear wore worn|
weep wept|win won|wind wound|withdraw withdrew withdrawn|write wrote written|overcome overcame|
undertake undertook undertaken|uphold upheld|oversee oversaw overseen|rebuild rebuilt|
rewrite rewrote rewritten
"""

IRREGULAR_EN: dict[str, str] = {
    form: entry.split()[0] for entry in _FORMS.replace("\n", "").split("|") for form in entry.split()[1:]
}
# Forms that are also common nouns or other words keep their own meaning.
for _ambiguous in ("left", "found", "lay", "saw", "bound", "rose", "wound", "fell", "felt", "lead", "read"):
    IRREGULAR_EN.pop(_ambiguous, None)
