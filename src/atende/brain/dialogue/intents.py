"""Keyword intents for Portuguese customer messages (offline, no model).

Every rule reads ``normalize(text)``: folded, chat abbreviations spelled out ('qnto' ->
'quanto', 'vcs' -> 'voces', 'tá' -> 'esta', 'n' -> 'nao'), emphasis squeezed ('oiii') and
typos of the domain words corrected ('consuta', 'agnedar')."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from atende.brain.dialogue.normalize import normalize
from atende.brain.dialogue.urgency import asks_about_emergency_service, emergency_in
from atende.domain.entities import ServiceInfo
from atende.domain.text import fold

_SERVICE = r"(banho|tosa|consulta|vacina|hidratacao|veterinari)\w*"
_DAYTIME = (
    r"(hoje|amanha|segunda|terca|quarta|quinta|sexta|sabado|domingo|feriado|manha|tarde"
    r"|noite|cedo|semana|dia \d{1,2}|as \d{1,2}|\d{1,2} ?(h|hs|horas|:\d{2})\b|\d{1,2}h\d{2})"
)
_MOVE = r"(mudar?|muda|trocar?|troca|passar?|passa|jogar?|joga|empurra\w*|deixa)"

# Most specific first: the first intent whose pattern matches wins for one message.
# ("emergency" comes before all of these and is decided by urgency.emergency_in.)
INTENT_PATTERNS: list[tuple[str, str]] = [
    (
        "handoff",
        r"\b(atendente|humano|uma pessoa|pessoa de verdade|alguem de verdade|pessoa real"
        r"|gerente|operador|atendimento humano"
        r"|alguem (pode |poderia |consegue )?(me ligar|ligar (pra|para) mim)"
        r"|pedir (pra|para) alguem me ligar"
        r"|(prefiro|quero|queria) (resolver|falar|conversar) (isso )?por telefone"
        r"|(quero|exijo) (uma )?explicacao(?! (de|do|da|sobre) )"
        r"|(fazer|registrar) (uma )?reclamacao"
        r"|falar (diretamente |direto )?com (alguem|o dono|a dona|voce|um|uma|gente"
        r"|(a|o) (veterinari\w*|responsavel|dra?|doutora?)\b)"
        r"|(passa|passar|transfere|transferir|encaminha|encaminhar)\b.{0,25}\b(pra|para)"
        r" (a |o )?(alguem|uma pessoa|equipe|um humano)\b)\b",
    ),
    (
        "optout",
        r"^\s*(sair|stop|parar|pare)\s*[.!]*\s*$|nao quero (mais )?receber|parar de receber"
        r"|(pare|para) de (me )?(mandar|enviar)|sair da lista|descadastr\w*"
        r"|cancelar (a )?inscricao",
    ),
    (  # 'vou atrasar uns 20 min', 'to atrasada': a notice, not a request to move
        "late",
        r"\b((vou|vamos|vai|acho que vou|vou ter que|vou precisar) (me |nos |se )?atrasar"
        r"(?! (o|a|os|as|meu|minha) )|(vou|vamos|vai) chegar (um pouco |uns? \w+ min\w* )?"
        r"atrasad\w*|(to|tou|estou|estamos|ta|esta) (um pouco |meio )?atrasad\w*"
        r"|atraso de (uns? )?\d+ ?min\w*|preso no transito|presa no transito)\b",
    ),
    (  # 'quanto tempo antes preciso marcar?', 'precisa agendar ou posso ir direto?'
        "notice",
        r"\b(quanto tempo antes|com quanto tempo de antecedencia|quanto de antecedencia"
        r"|(precisa|preciso|tem que|tenho que) (de )?(agendar|marcar|agendamento|hora marcada)"
        r"( antes| com antecedencia|\W*$)|posso (ir|chegar|passar|aparecer) direto"
        r"|sem (agendar|marcar|agendamento|hora marcada)|ordem de chegada)\b",
    ),
    (
        "cancel",
        r"\b(cancel\w*|desmarc\w*|pode tirar|tira(r)? (o |a |meu |minha )?(horario|agendamento"
        r"|nome|" + _SERVICE + r"))\b",
    ),
    (
        "reschedule",
        r"\b(remarc\w*|reagend\w*|adiar|adia|adie|adiem|adiant\w*|atrasar|empurr\w*"
        r"|"
        + _MOVE
        + r" (o |a |meu |minha |de )?(dia|horario|agendamento|data|hora|"
        + _SERVICE
        + r")"
        r"|" + _MOVE + r" (para|pra|pras|pro|pros)"
        r" (?!(pegar|buscar|levar|deixar|trazer|la|depois|alguem|ela|ele|mim|voce)\b)"
        r"|(outro|em outro) (dia|horario)|outra (data|hora)|outro dia em vez"
        r"|" + _MOVE + r" so (o |a )?(dia|horario|hora|data)"
        r"|" + _MOVE + r" (o|a|os|as) d[aoe]s? .{1,30}\b(pra|para|pras|pros|pro)\b"
        r"|(\d+ ?h|\d+ horas?|uma hora|meia hora|\d+ min\w*) mais (tarde|cedo)"
        r"|(ir|levar|vir|trazer|ser|chegar|fazer) (ele |ela )?mais (cedo|tarde))\b",
    ),
    (
        "book",
        r"\b(agend\w*|marca(?!s\b)(?!d[oa]s?\b)(?! d[aoe]\b)\w*|reserv\w*"
        r"|(quero|queria|gostaria de|preciso de|vou querer) (um |uma |o |a |de )?"
        r"(horario|banho|tosa|consulta|vacina|hidratacao)\w*"
        r"|levar (\w+ )?(\w+ )?(no|na|pra|para|ao) (banho|tosa|veterinari\w*|consulta|vacina)"
        r"|(a|o) (doutora?|dra?|veterinari\w*) (pode|poderia|consegue) (atende|ver|examina)\w*)\b",
    ),
    (  # 'quero cadastrar meus bichinhos', 'registrar meu gato no sistema'
        "register",
        r"\b(cadastr|registr)\w*\b.{0,40}\b(pet|pets|bichinh\w*|animal|animais|filhote\w*"
        r"|cachorr\w*|gat[oa]s?|gatinh\w*|cao|caes|cadel\w*|coelh\w*)\b"
        r"|\b(pet|bichinh\w*|animal|filhote\w*|cachorr\w*|gat[oa]s?|gatinh\w*|cadel\w*"
        r"|ele|ela|eles|elas)\b.{0,40}\b(cadastrad|registrad)\w*",
    ),
    (
        "slots",
        r"\b(horarios? (livres?|disponive\w*|vagos?)|tem (algum |alguma |um |uma )?(vaga|horario)"
        r"|disponibilidade|vagas?|encaix\w*|proximo horario"
        r"|horarios? (tem|que tem|voces tem)"
        r"|tem (como |um |uma )?(("
        + _SERVICE
        + r"|como)( (pra|para|pro|no|na|de) \w+)? )"
        + _DAYTIME
        + r"|da (pra|para) (hoje|amanha))\b"
        r"|\b" + _DAYTIME + r".*\btem\s*\?*\s*$",
    ),
    (  # 'o banho inclui corte de unha?': what a service comes with
        "includes",
        r"\b(inclui\w*|incluso|inclusa|vem com|ja vem|faz parte|esta incluido|ta incluido)\b",
    ),
    (  # 'quanto tempo demora o banho?', 'a consulta dura quanto?'
        "duration",
        r"\b(quanto tempo (\w+ )?(demora|leva|dura|fica|gasta|levam|demoram)\w*"
        r"|(demora|dura|leva)\w* quanto( tempo)?|tempo de (duracao|atendimento)|duracao"
        r"|demora muito|leva muito tempo)\b",
    ),
    (
        "prices",
        r"\b(preco\w*|quanto (custa|e|fica|sai|cobra|esta|que)\w*|quanto (\w+ )?cobra\w*"
        r"|quanto (vai|vai me|deve) (dar|ficar|sair|custar)"
        r"|(custa|cobra\w*|fica|sai|esta|e) quanto|valor\w*|tabela)\b",
    ),
    (
        "hours",
        r"\b(que horas (abre|fecha|voces abrem|voces fecham)|ate que horas"
        r"|horario de (funcionamento|atendimento)"
        r"|(qual|quais) (e |sao )?(o |os )?horarios?|horarios? de voces"
        r"|abre\w*|abrir\w*|abrira\w*|fecha\w*|funciona\w*|aberto\w*|expediente"
        r"|(que|qual) dia (e|eh) hoje"
        r"|atendendo (agora|hoje|amanha)"
        r"|(trabalh|atend)\w* (no |na |de |aos? )?(hoje|amanha|feriado|sabado|domingo|segunda"
        r"|terca|quarta|quinta|sexta|fim de semana)(?! (as|a partir|de manha|de tarde|\d))"
        r"(?!.*\b(banho|tosa|consulta|vacina)))\b",
    ),
    (
        "services",
        r"\b(servicos?|o que voces (fazem|oferecem)|o que (tem|faz)"
        r"|voces (fazem|tem|atendem|vacinam|tosam|aceitam|trabalham com))\b|^\s*fazem\b",
    ),
    ("thanks", r"\b(obrigad\w*|brigad\w*|valeu|agradec\w*|tchau|ate mais|ate logo|falou)\b"),
    ("greeting", r"^\s*(oi|oie|ola|bom dia|boa tarde|boa noite|e ai|opa|hello|hi)\b"),
]
_COMPILED = [(name, re.compile(p)) for name, p in INTENT_PATTERNS]
_PATTERN_OF = dict(_COMPILED)

# Weaker cues, dropped when a stronger reading of the same message is present.
_INDIRECT_CANCEL = re.compile(  # dropped when a new time is asked for (reschedule)
    r"\b(nao vou (mais )?(conseguir|poder) (ir|levar|comparecer|trazer)|nao vou mais precisar"
    r"|nao vai mais( (ir|precisar|vir))?\b(?! (dar|conseguir))"
    r"|nao precisa mais d[oa]s? (banho|tosa|consulta|vacina\w*|horario|agendamento)"
    r"|(esquece|pode esquecer|desconsidera) (o|a) (banho|tosa|consulta|vacina\w*|horario"
    r"|agendamento)\b.*\bnao (precisa|vai|quero) mais"
    r"|nao vai dar (pra|para) (ir|levar|trazer)|imprevisto)\b"
)
_CLOSED_YES = re.compile(  # 'fechado!', 'ok fechado', 'fechou 👍': a yes, not the hours
    r"^[\W_]*((ok|okay|entao|beleza|show|perfeito|pode ser|combinado)[\W_]+)?"
    r"(fechado|fechadissimo|fechou)"
    r"([\W_]+(ok|entao|beleza|valeu|obrigad[oa]|combinado|show|perfeito))*[^\w?]*$"
)
_PLAIN_BOOK = re.compile(  # dropped in a price or slot question: 'quanto é pra vacinar?'
    r"\b(vacinar|tosar|dar (um )?banho|(pra|para) (tomar )?(um )?banho)\b"
)


_LATER_REBOOK = re.compile(
    r"\b(depois|mais tarde|outro dia|mais pra frente)\b.{0,20}\b(remarc|reagend|marc)\w*"
    r"|\b(remarc|reagend)\w*\b.{0,20}\b(depois|quando (eu )?(voltar|puder)|mais pra frente)\b"
)
# 'cancela o banho de quarta e marca pra sexta 9h': the same booking, moved — unless what
# follows names another service ('e marca uma consulta pra Mel'), a second request
_CANCEL_THEN_BOOK = re.compile(
    r"\b(cancel|desmarc)\w*\b.{0,60}?\b(?:e|e ja|e depois|depois|ai)\s+"
    r"(?:(?:me |ja )?(?:marc|agend|coloc|poe|bota|pass|jog)\w*)\b(?P<rest>.*)$"
)
_SERVICE_WORD = re.compile(r"\b" + _SERVICE + r"\b")


def _cancel_then_rebook(norm: str) -> bool:
    """'cancela o de quarta e marca pra sexta 9h' moves it: what follows names a new day
    or time and no other service, pet or place ('e marca pro thor no lugar' is two)."""
    found = _CANCEL_THEN_BOOK.search(norm)
    if found is None:
        return False
    rest = found.group("rest")
    if _SERVICE_WORD.search(rest) or re.search(r"\bno lugar\b|\bcom calma\b", rest):
        return False
    return bool(_WHEN_WORD.search(rest))


# a day or a time, as a move's new one is said ('pra sexta 9h', 'pra amanhã', 'às 10')
_WHEN_WORD = re.compile(
    r"\b(?:hoje|amanha|segunda|terca|quarta|quinta|sexta|sabado|domingo|semana que vem"
    r"|dia \d{1,2}|\d{1,2}\s*(?:h|hs|horas?|:\d{2})|\d{1,2}/\d{1,2}|as \d{1,2})"
)


_HYPOTHETICAL = re.compile(  # 'se eu precisar desmarcar, vcs cobram?': a policy question
    r"\b(se|caso) (eu |a gente |ele |ela )?((precis\w+|tiver que|quiser|for|tenha que) (de )?)?"
    r"(cancel|desmarc|remarc|reagend|mudar|trocar|adiar|atras|cheg\w+ atrasad)\w*"
)


def hypothetical(text: str) -> bool:
    """'se eu quiser mudar o horário, tem custo?': asking about a change, not making it."""
    return bool(_HYPOTHETICAL.search(normalize(text)))


def intents_of(text: str) -> list[str]:
    """Every intent one message shows, most specific first ("emergency" before all)."""
    norm = normalize(text)
    found = [name for name, pattern in _COMPILED if pattern.search(norm)]
    if _HYPOTHETICAL.search(norm):
        found = [f for f in found if f not in ("cancel", "reschedule")]
    if "cancel" in found and _cancel_then_rebook(norm):
        found = [f for f in found if f not in ("cancel", "book", "reschedule")] + ["reschedule"]
    if "reschedule" in found and _LATER_REBOOK.search(norm):
        found.remove("reschedule")  # "depois eu remarco quando voltar": not now
    if "late" in found and "reschedule" in found:
        # 'vou atrasar uns 20 min' is late; 'vou me atrasar, dá pra passar pras 11?' moves it
        rest = _PATTERN_OF["late"].sub(" ", norm)
        found.remove("reschedule" if not _PATTERN_OF["reschedule"].search(rest) else "late")
    if "hours" in found and _CLOSED_YES.match(norm):
        found.remove("hours")
    if "cancel" not in found and "reschedule" not in found and _INDIRECT_CANCEL.search(norm):
        found.insert(found.index("handoff") + 1 if "handoff" in found else 0, "cancel")
    plain_book = "book" not in found and "prices" not in found and "slots" not in found
    if plain_book and _PLAIN_BOOK.search(norm):
        found.append("book")
    if "services" not in found and asks_about_emergency_service(text):
        found.append("services")
    order = ["emergency"] + [name for name, _ in INTENT_PATTERNS]
    found.sort(key=order.index)
    if emergency_in(text):
        found.insert(0, "emergency")
    return found


def main_intent(texts: Sequence[str]) -> str | None:
    """The intent the burst is about: that of its last message that has a real one."""
    for text in reversed(texts):
        found = [i for i in intents_of(text) if i not in ("greeting", "thanks")]
        if found:
            return found[0]
    for text in reversed(texts):
        found = intents_of(text)
        if found:
            return found[-1] if "greeting" in found and len(found) == 1 else found[0]
    return None


# --- yes / no -------------------------------------------------------------------------

_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")
_YES = re.compile(
    r"^\s*(?:👍|👌|✅|☑|✔|🙏|🆗|🤝)"
    # 'ufa, sim', 'opa, pode ser': a sigh or an 'opa' before the yes
    r"|^\s*(?:(?:ufa|opa|ah+|eba|oba|uhu|nossa|hm+|entao|ta)\W+)*"
    r"(sim|s|pode( ser| sim| confirmar| marcar)?|confirm\w*|isso( mesmo| ai)?|ok|okay"
    r"|beleza|bele|fechado|fechadissimo|fechou|claro|certo|perfeito|positivo|bora|com certeza"
    r"|yes|uhum|aham|show|top|otimo|joia|combinado|manda ver|de boa|tranquilo|certinho"
    r"|esta (bom|otimo|certo|perfeito|combinado|beleza|otimo))\b"
    # 'quero' is a yes only on its own: 'quero mudar o horário' is not
    r"|^\W*quero( sim)?\W*$"
    # 'rola sim 🤙', 'vai sim', 'se sim pode confirmar' — the whole message, nothing else
    r"|^\W*(rola|vai|quero|serve|claro que|da|fica) sim\W*$"
    r"|^\W*se sim,? pode (confirmar|marcar|agendar)\W*$"
)
# What undoes a yes-start: a negation ('claro que não', 'ok não') or a change ('pode
# cancelar?', 'pode ser outro dia?').
_UNDOES_YES = re.compile(
    r"\b(nao|nem)\b|👎"
    r"|\b(mud\w*|troc\w*|outr[oa]s?|cancel\w*|desmarc\w*|remarc\w*|reagend\w*)\b"
)
_HARMLESS_NEGATION = re.compile(
    r"\b(nao|sem) (tem |ha |teria )?(nenhum )?problema\b|\bnao se preocup\w*"
)
_NO = re.compile(
    r"^\s*(?:👎|❌|🚫)"
    r"|^\s*(nao|negativo|nops?|nope|nem|melhor nao|prefiro nao|acho que nao|agora nao"
    r"|deixa (pra|para) la|deixa quieto|deixa isso|esquece|nada disso|errado"
    r"|de jeito nenhum)\b"
    # a yes-word turned down: 'claro que não', 'pode não', 'isso não', 'ok não'
    r"|^\W*(claro|pode|isso|ok|okay|certo|beleza|quero|entao|esta bom)( que)?\W+nao\W*"
    r"(obrigad[oa]|valeu)?\W*$"
)
_NOT_A_NO = re.compile(r"^\s*(nao|nem) (sei|entendi|lembro|tenho certeza|sabia|consegui ver)\b")
_NO_THEN_YES = re.compile(r"^\s*nao\W+(pode (confirmar|marcar)|esta (certo|otimo|bom))\b")


# 'hmm', 'ah', 'então', 'olha' before the answer itself: 'humm melhor não', 'ah sim'.
_FILLERS = re.compile(r"^\W*((h+u*m+|hm+|a+h+|e+h+|ai|bom|olha|entao|poxa|puts|nossa|ixi)\b\W*)+")


def _yes_no_text(text: str) -> str:
    norm = normalize(_SKIN_TONES.sub("", text))
    stripped = _FILLERS.sub("", norm)
    return stripped if stripped.strip() else norm


def is_yes(text: str) -> bool:
    """A confirmation as sent: 'sim', 's', '👍🏻', 'pode ser', 'fechado', 'tá ótimo',
    'não, pode confirmar'. 'sim, mas às 11h' is a yes too (the caller looks for details).
    A yes-word followed by a negation or a change is not: 'claro que não', 'pode
    cancelar?', 'quero outro horário'."""
    norm = _yes_no_text(text)
    if _NO_THEN_YES.search(norm):
        return True
    m = _YES.search(norm)
    if not m or _NO.search(norm):
        return False
    rest = _HARMLESS_NEGATION.sub(" ", norm[m.end() :])
    return not _UNDOES_YES.search(rest)


def is_no(text: str) -> bool:
    """A refusal as sent: 'não', 'n', '👎', 'melhor não', 'deixa pra lá', 'esquece', 'nem',
    'claro que não', 'pode não'. 'não sei' and 'não, pode confirmar' are not refusals."""
    norm = _yes_no_text(text)
    if _NOT_A_NO.search(norm) or _NO_THEN_YES.search(norm):
        return False
    return bool(_NO.search(norm))


# --- corrections ------------------------------------------------------------------------

_CORRECTION = re.compile(
    r"\b(na verdade|errei|me enganei|ops|quis dizer|queria dizer|digo|corrigindo|corrigir"
    r"|correcao|alias|(troca|muda) (pra|para))\b"
    r"|^\s*melhor\b(?! nao\b)"
    r"|^\s*nao( nao)?\W+(e|era|sera) "
)


def correction_in(text: str) -> bool:
    """Whether ``text`` corrects what the customer just said: 'na verdade é sexta',
    'errei, é às 15h', 'não, é pra Mel', 'ops, dia 12', 'troca pra tosa'."""
    return bool(_CORRECTION.search(normalize(text)))


# --- services ---------------------------------------------------------------------------

_STOPWORDS = {"e", "de", "da", "do", "com", "para"}


def _stems(name: str) -> list[str]:
    return [w[:5] for w in re.findall(r"\w+", fold(name)) if w not in _STOPWORDS]


_NEGATED = re.compile(
    r"\b(sem|nada de|nao precisa( de)?|dispenso( o| a)?)\s+(o |a )?(\w+)"
    r"|\b(\w+)\s+(nao precisa|nao|depois eu vejo|depois vejo|fica pra depois)\b"
    r"|\bdepois (eu )?vejo (o |a )?(\w+)"
)
_ALIASES = {
    "v10": "vacina",
    "v8": "vacina",
    "v5": "vacina",
    "v4": "vacina",
    "v3": "vacina",
    "antirrabica": "vacina",
    "raiva": "vacina",
    "gripe": "vacina",
    "giardia": "vacina",
    "tosinha": "tosa",
    "banhozinho": "banho",
    "veterinaria": "consulta",
}


_TRIM = re.compile(
    r"\b(aparar|cortar|dar uma aparada n?|tirar|raspar)\s+(?:um pouco d?)?(?:os |o )?"
    r"(pelos?|pelagem)\b"
)


def _service_words(text: str) -> str:
    """The folded text with aliases resolved and services the customer turns down
    ('sem banho', 'a tosa depois eu vejo') taken out."""
    folded = normalize(text)
    folded = _TRIM.sub("tosa", folded)  # "aparar os pelos" is a tosa
    folded = re.sub(r"\w+", lambda m: _ALIASES.get(m.group(0), m.group(0)), folded)
    return _NEGATED.sub(" ", folded)


def _named_together(stems: list[str], words: str) -> bool:
    """A two-word service ('banho e tosa') is named only with its words close together,
    in order ('banho e uma tosinha', 'banho com tosa'), not as two separate requests."""
    gap = r"[^\w?!.,;]+"  # words of one phrase, not across a question mark or comma
    pattern = rf"{gap}(?:\w+{gap}){{0,2}}?".join(rf"{re.escape(s)}\w*" for s in stems)
    return re.search(rf"\b{pattern}", words) is not None


def _is_combo(service: ServiceInfo) -> bool:
    """'Banho e tosa': a service that is two others done together."""
    return " e " in fold(service.name)


def find_service(text: str, services: Sequence[ServiceInfo]) -> ServiceInfo | None:
    """The service a text names; 'banho e tosa' beats 'banho', 'vacina' finds 'Vacinação',
    typos and emphasis are forgiven ('banhoo', 'consuta'), 'vet' is the vet's consultation,
    'V10' a vaccine, and a service turned down ('sem banho') is not named."""
    cleaned = _service_words(text)
    words = re.findall(r"\w+", cleaned)
    best: tuple[int, float, ServiceInfo] | None = None
    for service in services:
        stems = _stems(service.name)
        matched = sum(1 for s in stems if any(w.startswith(s) for w in words))
        if matched == 0:
            continue
        if _is_combo(service) and not _named_together(stems, cleaned):
            continue  # "banho pro Thor e tosa pra Mel" is two services, not "Banho e tosa"
        score = (matched, matched / len(stems), service)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else None


def services_named(text: str, services: Sequence[ServiceInfo]) -> list[ServiceInfo]:
    """Every service a text asks for, in order: 'consulta e depois banho' → two."""
    cleaned = _service_words(text)
    for service in services:
        if _is_combo(service) and _named_together(_stems(service.name), cleaned):
            return [service]
    found: list[tuple[int, ServiceInfo]] = []
    for service in services:
        if _is_combo(service):
            continue
        starts = [
            m.start()
            for stem in _stems(service.name)
            if (m := re.search(rf"\b{re.escape(stem)}", cleaned)) is not None
        ]
        if starts:
            found.append((min(starts), service))
    return [s for _, s in sorted(found, key=lambda f: f[0])]


_ORDINALS = {
    "primeir": 1,
    "segund": 2,
    "terceir": 3,
    "quart": 4,
    "quint": 5,
    "sext": 6,
    "setim": 7,
    "oitav": 8,
    "non": 9,
    "decim": 10,
}
_ORDINAL = re.compile(
    r"\s*(?:(?:pode ser|quero|prefiro|vou querer)\s+)?(?:o|a)?\s*"
    r"(primeir|segund|terceir|quart|quint|sext|setim|oitav|non|decim|ultim)[oa]"
    r"(?:\s+(?:opcao|horario|hora|dia|op\w*))?\s*[.!,]*\s*"
    r"(?:(?:entao|mesmo|mesma|pode ser|por favor|pfv|pf)\s*[.!]*\s*)?"
)


def pick_number(text: str, count: int) -> int | None:
    """'2', 'o 2', 'opção 2', 'o primeiro', 'segunda opção', 'a última' -> an index
    within 1..count (an ordinal alone, never a weekday with a time)."""
    folded = fold(text)
    m = re.fullmatch(r"\s*(?:o|a|opcao|numero|n)?\s*(\d{1,2})\s*[.)ºª]?\s*", folded)
    if m:
        n = int(m.group(1))
        return n - 1 if 1 <= n <= count else None
    word = _ORDINAL.fullmatch(folded)
    if word is None or count == 0:
        return None
    weekday_like = word.group(1) in ("segund", "quart", "quint", "sext")
    if weekday_like and folded.strip().endswith("a") and not folded.strip().startswith("a "):
        return None  # "segunda" alone is a weekday, "segunda opção" or "a segunda" a choice
    n = count if word.group(1) == "ultim" else _ORDINALS[word.group(1)]
    return n - 1 if 1 <= n <= count else None


# --- one burst, several questions -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Question:
    """One question or request of a burst: its self-contained text (a follow-up such as
    'e a tosa?' carries the previous question: 'quanto custa a tosa?'), its intent and the
    name of the service it names, if any."""

    text: str
    intent: str | None
    service: str | None = None


_PART_SPLIT = re.compile(r"(?<=[?!.;])\s+|\n+|(?<=\?)(?=\S)")
_AND_IF = re.compile(r",?\s+e se\s+", re.IGNORECASE)
_GREETING_ONLY = re.compile(
    r"^(\W|oi|oie|ola|bom dia|boa tarde|boa noite|e ai|opa|hello|hi|tudo bem|tudo bom"
    r"|tudo certo|como vai|beleza|pessoal|gente|moca|amigo|amiga|\s)*$"
)
_OBJECT_START = re.compile(r"^(o|a|os|as|do|da|dos|das|no|na|nos|nas|pro|pra|de|pelo|pela)$")
_OBJECT = re.compile(
    r"^(" + _SERVICE + r"|hoje|amanha|segunda|terca|quarta|quinta|sexta|sabado|domingo"
    r"|feriado|cachorro|gato|filhote)$"
)


def _carry(previous: str, follow_up: str) -> str:
    """'quanto custa o banho?' + 'a tosa?' -> 'quanto custa a tosa?'."""
    tokens = list(re.finditer(r"\S+", previous))
    norms = [normalize(re.sub(r"\W", "", t.group(0))) for t in tokens]
    for i, word in enumerate(norms):
        is_object = bool(_OBJECT.match(word))
        is_article = (
            bool(_OBJECT_START.match(word))
            and i + 1 < len(norms)
            and bool(_OBJECT.match(norms[i + 1]))
        )
        if i > 0 and (is_object or is_article):
            return previous[: tokens[i].start()] + follow_up
    # 'vcs abrem no natal?' + 'na véspera?' -> 'vcs abrem na véspera?'
    place = list(re.finditer(r"\b(?:no|na|nos|nas|em|dia)\b", previous, re.IGNORECASE))
    own_verb = re.search(r"\b(tem|sao|fica|ficam|abre|abrem|faz|fazem|aceita\w*)\b", follow_up)
    if place and not own_verb and re.match(r"(?:no|na|nos|nas|em|dia)\b", follow_up, re.I):
        return previous[: place[-1].start()] + follow_up
    return follow_up


# "e vcs buscam ele em casa?": a question of its own, not "e a tosa?" (the one before it)
_OWN_CLAUSE = re.compile(
    r"^(voces|voce|eu|a gente|ele|ela|da pra|da para|pode|posso|aceit\w*|faz\w*|busca\w*"
    r"|leva\w*|atend\w*|tem como|precis\w*|como)\b"
)


def questions_in(text: str) -> list[str]:
    """The separate questions or requests of one burst, in order, greetings dropped:
    'quanto custa o banho? e a tosa? vcs abrem domingo?' -> ['quanto custa o banho?',
    'quanto custa a tosa?', 'vcs abrem domingo?']. A follow-up that starts with 'e' and
    has no intent of its own takes the question of the part before it."""
    parts: list[str] = []
    for chunk in _PART_SPLIT.split(text):
        parts.extend(p.strip() for p in _AND_IF.split(chunk))
    result: list[str] = []
    for part in parts:
        if not part or _GREETING_ONLY.match(normalize(part)):
            continue
        follow = re.match(r"^\s*e\s+(.+)$", part, re.IGNORECASE | re.DOTALL)
        real = [i for i in intents_of(part) if i not in ("greeting", "thanks")]
        own_clause = follow and _OWN_CLAUSE.match(normalize(follow.group(1)))
        if follow and result and not real and not own_clause:
            part = _carry(result[-1], follow.group(1))
        result.append(part)
    return result


def questions_of(text: str, services: Sequence[ServiceInfo] = ()) -> list[Question]:
    """``questions_in`` with each part's intent and the service (among ``services``) it
    names."""
    questions = []
    for part in questions_in(text):
        service = find_service(part, services)
        questions.append(Question(part, main_intent([part]), service.name if service else None))
    return questions
