"""Background work, on Django's tasks framework (the django-tasks backport): see settings.TASKS."""

from django_tasks import task

from corpus_app.import_batches import import_batch_run


@task()
def import_batch_task(*, batch_id: int) -> dict:
    """Import a batch of uploaded files (the import page's big batches, ``import_transcripts --background``)."""
    batch = import_batch_run(batch_id=batch_id)
    return {"batch": batch.pk, "done": batch.done, "total": batch.total}
