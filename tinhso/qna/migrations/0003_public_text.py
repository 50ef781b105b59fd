"""Published questions show a public text with ID numbers, phone numbers and e-mail addresses
masked; the questions published before get theirs now (the masked words of the asker)."""

from django.db import migrations, models

from tinhso.core.text import mask_personal_data, normalize_search


def mask_published(apps, schema_editor):
    Question = apps.get_model("qna", "Question")
    for question in Question.objects.filter(is_published=True).iterator():
        question.public_title = mask_personal_data(question.title)
        question.public_body = mask_personal_data(question.body)
        question.search_title = normalize_search(question.public_title)[:200]
        question.search_text = normalize_search(
            f"{question.public_title} {question.public_body} {question.answer}"
        )
        question.save(update_fields=["public_title", "public_body", "search_title", "search_text"])


def unmask(apps, schema_editor):
    Question = apps.get_model("qna", "Question")
    for question in Question.objects.exclude(public_title="").iterator():
        question.search_title = normalize_search(question.title)[:200]
        question.search_text = normalize_search(
            f"{question.title} {question.body} {question.answer}"
        )
        question.save(update_fields=["search_title", "search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("qna", "0002_search_trigram"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="public_body",
            field=models.TextField(blank=True, max_length=4000, verbose_name="public question"),
        ),
        migrations.AddField(
            model_name="question",
            name="public_title",
            field=models.CharField(blank=True, max_length=200, verbose_name="public title"),
        ),
        migrations.RunPython(mask_published, unmask),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.CheckConstraint(
                condition=models.Q(("is_published", False))
                | ~models.Q(("public_title", "")) & ~models.Q(("public_body", "")),
                name="qna_published_has_public_text",
            ),
        ),
    ]
