"""The API's answers about documents and linked claims as JSON-ready dicts; an annotation's and a
claim's are ``annotations.serializers``', shared with the reading page.
"""


def document_json(document):
    return {
        "id": document.pk,
        "title": document.title,
        "date": document.date.isoformat() if document.date else None,
        "is_current": document.is_current,
        "url": document.get_absolute_url(),
    }


def copy_json(copy):
    annotation = copy.annotation
    return {
        "claim": copy.pk,
        "annotation": annotation.pk,
        "status": copy.status,
        "document": document_json(annotation.turn.document),
        "speaker": annotation.turn.speaker.name if annotation.turn.speaker_id else None,
        "turn": annotation.turn_id,
        "quote": annotation.quote,
        "url": annotation.get_absolute_url(),
    }
