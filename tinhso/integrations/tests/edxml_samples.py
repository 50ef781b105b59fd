"""Test envelopes of our own, shaped like the public sample ``resources/edoc_new.edxml`` of
``all4u1089/truclienthong-example`` (default namespace on the root, ``edXML:`` prefixes inside,
``AttachmentEncoded`` outside the envelope, a zipped attachment, an XML-DSig block in the wrong
namespace with SHA-1, an impossible date), written here, not copied."""

from __future__ import annotations

import base64
import io
import zipfile

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


def zipped_attachment() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "cv-215-ubnd.pdf", b"%PDF-1.4\n% C\xc3\xb4ng v\xc4\x83n s\xe1\xbb\x91 215\n"
        )
        archive.writestr("phu-luc.txt", "Phụ lục: danh sách các xã".encode())
    return buffer.getvalue()


def envelope(
    *,
    sender: str = "000.00.00.H44",
    recipients: tuple[str, ...] = ("000.00.31.H44",),
    document_id: str = "000.00.00.H44,2026/02/30,215/UBND-VX",
    business_type: str = "0",
    trace_time: str = "2026/11/20 08:15:00",
    attachment: bytes | None = None,
    wrap: int = 76,
) -> bytes:
    content = attachment if attachment is not None else zipped_attachment()
    encoded = base64.b64encode(content).decode()
    encoded = "\n".join(encoded[i : i + wrap] for i in range(0, len(encoded), wrap))
    tos = "".join(
        f"""
        <edXML:To>
          <edXML:OrganId>{organ}</edXML:OrganId>
          <edXML:OrganizationInCharge>Sở Y tế tỉnh Quảng Trị</edXML:OrganizationInCharge>
          <edXML:OrganName>Sở Y tế</edXML:OrganName>
          <edXML:OrganAdd>Số 2 Lê Lợi, phường Đồng Hới</edXML:OrganAdd>
          <edXML:Email>soyte@quangtri.gov.vn</edXML:Email>
          <edXML:Telephone>0232 3822 111</edXML:Telephone>
          <edXML:Fax></edXML:Fax>
          <edXML:Website>soyte.quangtri.gov.vn</edXML:Website>
        </edXML:To>"""
        for organ in recipients
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="{NS}">
  <edXML:edXMLEnvelope xmlns:edXML="{NS}">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
          <edXML:OrganId>{sender}</edXML:OrganId>
          <edXML:OrganizationInCharge>Ủy ban nhân dân tỉnh Quảng Trị</edXML:OrganizationInCharge>
          <edXML:OrganName>UBND tỉnh Quảng Trị</edXML:OrganName>
          <edXML:OrganAdd>Số 1 Hùng Vương, phường Đồng Hới</edXML:OrganAdd>
          <edXML:Email>vanthu@quangtri.gov.vn</edXML:Email>
          <edXML:Telephone>0232 3822 000</edXML:Telephone>
          <edXML:Fax>0232 3822 001</edXML:Fax>
          <edXML:Website>quangtri.gov.vn</edXML:Website>
        </edXML:From>
        {tos}
        <edXML:DocumentId>{document_id}</edXML:DocumentId>
        <edXML:Code>
          <edXML:CodeNumber>215</edXML:CodeNumber>
          <edXML:CodeNotation>UBND-VX</edXML:CodeNotation>
        </edXML:Code>
        <edXML:PromulgationInfo>
          <edXML:Place>Quảng Trị</edXML:Place>
          <edXML:PromulgationDate>2026/11/19</edXML:PromulgationDate>
        </edXML:PromulgationInfo>
        <edXML:DocumentType>
          <edXML:Type>1</edXML:Type>
          <edXML:TypeDetail>0</edXML:TypeDetail>
          <edXML:TypeName>Công văn</edXML:TypeName>
        </edXML:DocumentType>
        <edXML:Subject>V/v triển khai tiêm chủng mở rộng năm 2027</edXML:Subject>
        <edXML:Content>V/v triển khai tiêm chủng năm 2027 &amp; rà soát đối tượng</edXML:Content>
        <edXML:SignerInfo>
          <edXML:Competence>KT. CHỦ TỊCH</edXML:Competence>
          <edXML:Position>PHÓ CHỦ TỊCH</edXML:Position>
          <edXML:FullName>Hoàng Nam</edXML:FullName>
        </edXML:SignerInfo>
        <edXML:DueDate>2026/12/15</edXML:DueDate>
        <edXML:OtherInfo>
          <edXML:Priority>0</edXML:Priority>
          <edXML:SphereOfPromulgation>Liên thông văn bản quốc gia</edXML:SphereOfPromulgation>
          <edXML:TyperNotation>NTH</edXML:TyperNotation>
          <edXML:PromulgationAmount>3</edXML:PromulgationAmount>
          <edXML:PageAmount>2</edXML:PageAmount>
          <edXML:Direction>false</edXML:Direction>
          <edXML:Appendixes>
            <edXML:Appendix>Danh sách các xã triển khai</edXML:Appendix>
            <edXML:Appendix>Kế hoạch chi tiết</edXML:Appendix>
          </edXML:Appendixes>
        </edXML:OtherInfo>
        <edXML:SteeringType>1</edXML:SteeringType>
        <edXML:ToPlaces>
          <edXML:Place>Như trên</edXML:Place>
          <edXML:Place>Lưu: VT, VX</edXML:Place>
        </edXML:ToPlaces>
      </edXML:MessageHeader>
      <edXML:TraceHeaderList>
        <edXML:TraceHeader>
          <edXML:OrganId>{sender}</edXML:OrganId>
          <edXML:Timestamp>{trace_time}</edXML:Timestamp>
        </edXML:TraceHeader>
        <edXML:Bussiness>
          <edXML:DocumentId>{document_id}</edXML:DocumentId>
          <edXML:BussinessDocType>{business_type}</edXML:BussinessDocType>
          <edXML:BussinessDocReason>Văn bản điện tử mới</edXML:BussinessDocReason>
          <edXML:Paper>0</edXML:Paper>
          <edXML:StaffInfo>
            <edXML:Department>Văn thư</edXML:Department>
            <edXML:Staff>Lê Thị Hoa</edXML:Staff>
            <edXML:Email>hoa.vt@quangtri.gov.vn</edXML:Email>
            <edXML:Mobile>84912000777</edXML:Mobile>
          </edXML:StaffInfo>
        </edXML:Bussiness>
      </edXML:TraceHeaderList>
      <Signature>
        <SignedInfo>
          <CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315" />
          <SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1" />
          <Reference URI="">
            <Transforms>
              <Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature" />
              <Transform Algorithm="http://www.w3.org/TR/xml-exc-c14n#" />
            </Transforms>
            <DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1" />
            <DigestValue>AAECAwQFBgcICQoLDA0ODxAREhM=</DigestValue>
          </Reference>
        </SignedInfo>
        <SignatureValue>c2lnbmF0dXJl</SignatureValue>
        <KeyInfo>
          <X509Data>
            <X509SubjectName>CN=vanthu</X509SubjectName>
            <X509Certificate>MIIFqTCCBJG</X509Certificate>
          </X509Data>
        </KeyInfo>
      </Signature>
    </edXML:edXMLHeader>
    <edXML:edXMLBody>
      <edXML:edXMLManifest version="1.0">
        <edXML:Reference>
          <edXML:ContentId>cid:215</edXML:ContentId>
          <edXML:ContentType>application/zip</edXML:ContentType>
          <edXML:Description>215_UBND-VX.pdf</edXML:Description>
          <edXML:AttachmentName>215_UBND-VX.pdf</edXML:AttachmentName>
        </edXML:Reference>
      </edXML:edXMLManifest>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>
  <AttachmentEncoded>
    <Attachment>
      <ContentId>cid:215</ContentId>
      <AttachmentName>215_UBND-VX.pdf</AttachmentName>
      <Description>215_UBND-VX.pdf</Description>
      <ContentType>application/zip</ContentType>
      <edXML:ContentTransferEncoded xmlns:edXML="{NS}">{encoded}</edXML:ContentTransferEncoded>
    </Attachment>
  </AttachmentEncoded>
</edXML>
""".encode()


def status_envelope(*, sender: str, answered: str, document_id: str, code: str, time: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="{NS}">
  <edXML:edXMLEnvelope xmlns:edXML="{NS}">
    <edXML:edXMLHeader>
      <edXML:Status>
        <edXML:ResponseFor>
          <edXML:OrganId>{answered}</edXML:OrganId>
          <edXML:Code>215/UBND-VX</edXML:Code>
          <edXML:PromulgationDate>2026/11/19</edXML:PromulgationDate>
          <edXML:DocumentId>{document_id}</edXML:DocumentId>
        </edXML:ResponseFor>
        <edXML:From>
          <edXML:OrganId>{sender}</edXML:OrganId>
          <edXML:OrganName>Sở Y tế</edXML:OrganName>
        </edXML:From>
        <edXML:StaffInfo>
          <edXML:Department>Văn thư</edXML:Department>
          <edXML:Staff>Trần Văn Bình</edXML:Staff>
        </edXML:StaffInfo>
        <edXML:StatusCode>{code}</edXML:StatusCode>
        <edXML:Description>Đã đến</edXML:Description>
        <edXML:Timestamp>{time}</edXML:Timestamp>
      </edXML:Status>
    </edXML:edXMLHeader>
  </edXML:edXMLEnvelope>
</edXML>
""".encode()
