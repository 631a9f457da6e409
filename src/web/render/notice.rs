//! What a page says after an action went through. A typed list, so that the catalog test can check
//! that each has its text in both languages (a missing key would render as nothing).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    Acknowledged,
    MessageSent,
    Responded,
    TransferRequested,
    Assigned,
    TransferDecided,
    MarkedDuplicate,
    Rejected,
    Confirmed,
    Reopened,
    Withdrawn,
    RetaliationReported,
    /// A form posted again (reload, Back): nothing was done the second time.
    AlreadyDone,
}

impl Notice {
    #[cfg(test)]
    pub const ALL: [Notice; 13] = [
        Notice::Acknowledged,
        Notice::MessageSent,
        Notice::Responded,
        Notice::TransferRequested,
        Notice::Assigned,
        Notice::TransferDecided,
        Notice::MarkedDuplicate,
        Notice::Rejected,
        Notice::Confirmed,
        Notice::Reopened,
        Notice::Withdrawn,
        Notice::RetaliationReported,
        Notice::AlreadyDone,
    ];

    /// The catalog key of its text.
    pub fn key(self) -> &'static str {
        match self {
            Notice::Acknowledged => "notices.acknowledged",
            Notice::MessageSent => "notices.message_sent",
            Notice::Responded => "notices.responded",
            Notice::TransferRequested => "notices.transfer_requested",
            Notice::Assigned => "notices.assigned",
            Notice::TransferDecided => "notices.transfer_decided",
            Notice::MarkedDuplicate => "notices.marked_duplicate",
            Notice::Rejected => "notices.rejected",
            Notice::Confirmed => "notices.confirmed",
            Notice::Reopened => "notices.reopened",
            Notice::Withdrawn => "notices.withdrawn",
            Notice::RetaliationReported => "notices.retaliation_reported",
            Notice::AlreadyDone => "notices.already_done",
        }
    }
}
