"""The default Vietnamese templates (editable in the admin afterwards). SMS/ZNS template ids
are placeholders until the provider approves the province's own (docs/operations.md)."""

from django.db import migrations

SIGN = "\n\nTrân trọng,\nBộ phận Một cửa - {{ agency }}"
P = ["code", "procedure", "appointment"]

TEMPLATES = [
    # event, subject, e-mail body, SMS text, SMS/ZNS template id, params
    (
        "dossier_received",
        "Hồ sơ {{ code }} đã được tiếp nhận",
        "Kính gửi {{ applicant }},\n\nHồ sơ {{ code }} ({{ procedure }}) đã được tiếp nhận. "
        "Ngày hẹn trả kết quả: {{ appointment }}.\nGiấy tiếp nhận hồ sơ và hẹn trả kết quả "
        "(mẫu 01): {{ receipt_url }}" + SIGN,
        "Ho so {{ code }} da duoc tiep nhan. Hen tra ket qua: {{ appointment }}. "
        "Giay tiep nhan: {{ receipt_url }}",
        "TS_TIEP_NHAN",
        [*P, "receipt_url"],
    ),
    (
        "supplement_requested",
        "Hồ sơ {{ code }} cần bổ sung",
        "Kính gửi {{ applicant }},\n\nHồ sơ {{ code }} ({{ procedure }}) cần bổ sung, hoàn "
        "thiện. Nội dung: {{ note }}\nXem chi tiết và nộp bổ sung: {{ receipt_url }}" + SIGN,
        "Ho so {{ code }} can bo sung. Vui long xem chi tiet tren Cong dich vu cong.",
        "TS_BO_SUNG",
        ["code", "procedure"],
    ),
    (
        "fees_requested",
        "Hồ sơ {{ code }}: đề nghị nộp phí, lệ phí",
        "Kính gửi {{ applicant }},\n\nHồ sơ {{ code }} ({{ procedure }}) cần nộp phí, lệ phí "
        "để tiếp tục giải quyết. Xem chi tiết: {{ receipt_url }}" + SIGN,
        "Ho so {{ code }} can nop phi, le phi. Vui long xem tren Cong dich vu cong.",
        "TS_NOP_PHI",
        ["code", "procedure"],
    ),
    (
        "result_ready",
        "Hồ sơ {{ code }} đã có kết quả",
        "Kính gửi {{ applicant }},\n\nHồ sơ {{ code }} ({{ procedure }}) đã có kết quả. "
        "Mời Ông/Bà đến nhận kết quả tại Bộ phận Một cửa hoặc theo hình thức đã đăng ký." + SIGN,
        "Ho so {{ code }} da co ket qua. Moi Ong/Ba nhan ket qua theo hinh thuc da dang ky.",
        "TS_CO_KET_QUA",
        ["code", "procedure"],
    ),
    (
        "appointment_changed",
        "Hồ sơ {{ code }}: thay đổi ngày hẹn trả kết quả",
        "Kính gửi {{ applicant }},\n\nHồ sơ {{ code }} ({{ procedure }}) chưa giải quyết "
        "kịp theo hẹn. Ngày hẹn mới: {{ appointment }}. Cơ quan xin lỗi Ông/Bà vì sự chậm trễ; "
        "phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04): {{ apology_url }}" + SIGN,
        "Ho so {{ code }} hen lai ngay tra ket qua: {{ appointment }}. Xin loi Ong/Ba vi su "
        "cham tre.",
        "TS_HEN_LAI",
        [*P, "apology_url"],
    ),
    (
        "inbox_new",
        "Hồ sơ mới {{ code }} trong hộp việc",
        "Hồ sơ {{ code }} ({{ procedure }}, {{ applicant }}) vừa được chuyển đến anh/chị xử lý."
        "\nHạn trả kết quả: {{ appointment }}.\nMở hồ sơ: {{ dossier_url }}",
        "",
        "",
        [],
    ),
    (
        "supplement_supplied",
        "Hồ sơ {{ code }} đã được bổ sung",
        "Người nộp đã bổ sung hồ sơ {{ code }} ({{ procedure }}). Mở hồ sơ: {{ dossier_url }}",
        "",
        "",
        [],
    ),
    (
        "due_soon",
        "Hồ sơ {{ code }} đến hạn trong một ngày làm việc",
        "Hồ sơ {{ code }} ({{ procedure }}, {{ applicant }}) đến hạn giải quyết lúc {{ due }}."
        "\nMở hồ sơ: {{ dossier_url }}",
        "",
        "",
        [],
    ),
    (
        "feedback_answered",
        "Phản ánh số {{ report }} đã được trả lời",
        "Phản ánh số {{ report }} của Ông/Bà đã được {{ agency }} trả lời:\n\n{{ answer }}\n\n"
        "Xem và đánh giá: {{ report_url }}",
        "Phan anh so {{ report }} da duoc tra loi. Xem tai: {{ report_url }}",
        "TS_PHAN_ANH",
        ["report", "report_url"],
    ),
]


def add(apps, schema_editor):
    Template = apps.get_model("notifications", "Template")
    for event, subject, body, sms, provider_id, params in TEMPLATES:
        Template.objects.create(event=event, channel="email", subject=subject, body=body)
        if sms:
            Template.objects.create(
                event=event, channel="sms", body=sms, provider_template_id=provider_id,
                params=params,
            )
            Template.objects.create(
                event=event, channel="zns", provider_template_id=provider_id, params=params
            )


def remove(apps, schema_editor):
    apps.get_model("notifications", "Template").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
