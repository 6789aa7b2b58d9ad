# packaging/rt/mamori-scrip.pl -- the commit code of mamori's RT scrip
# (action "User Defined", stage TransactionBatch; installed by
# mamori-rt-setup.pl). It posts the new ticket or correspondence to
# mamori, signed:
#
#   X-Hdadapter-Timestamp: <unix seconds>
#   X-Hdadapter-Signature: sha256=<hex HMAC-SHA256(secret, "<ts>.<body>")>
#
# RT_SiteConfig: Set($MamoriWebhookURL, 'https://mamori.example/hooks/<tenant>/rt');
#                Set($MamoriWebhookSecretFile, '/etc/request-tracker5/mamori-webhook.secret');
# The secret file (root:www-data 0640) holds the tenant's webhook secret.
# TransactionBatch runs after RT committed the ticket, so mamori's comment
# can be written back at once; the POST has a short timeout so a slow
# mamori never holds the agent's request for long (mamori answers in ms;
# a failure is logged, and nothing is retried: RT has no queue for it).
require HTTP::Tiny;
require JSON;
require Digest::SHA;
my $url = RT->Config->Get('MamoriWebhookURL') or return 1;
my $file = RT->Config->Get('MamoriWebhookSecretFile') or return 1;
my $fh;
unless (open $fh, '<', $file) { RT->Logger->error("mamori: cannot read $file: $!"); return 1; }
my $secret = <$fh>;
close $fh;
$secret =~ s/\r?\n\z// if defined $secret;
return 1 unless defined $secret && length $secret;
my $t = $self->TicketObj;
my $txn = $self->TransactionObj;
my @req = map { { email => $_->EmailAddress, name => ($_->RealName || ''), lang => ($_->Lang || '') } }
    @{ $t->Requestors->UserMembersObj->ItemsArrayRef };
my $payload = {
    source => 'rt',
    schema => 'hdadapter-rt-scrip/1',
    event => ($txn->Type eq 'Create' ? 'ticket.created' : 'ticket.correspond'),
    rt_base_url => RT->Config->Get('WebURL'),
    transaction => { id => $txn->id, type => $txn->Type, created => $txn->CreatedObj->W3CDTF,
                     creator => $txn->CreatorObj->Name },
    ticket => { id => $t->id, queue => $t->QueueObj->Name, subject => $t->Subject, status => $t->Status,
                created => $t->CreatedObj->W3CDTF, requestors => \@req },
    content => { content_type => 'text/plain', body => scalar($txn->Content) },
};
my $body = JSON->new->utf8->canonical->encode($payload);
my $ts = time;
my $sig = 'sha256=' . Digest::SHA::hmac_sha256_hex("$ts.$body", $secret);
my $res = HTTP::Tiny->new(timeout => 10)->post($url, {
    headers => { 'Content-Type' => 'application/json; charset=utf-8', 'X-Hdadapter-Timestamp' => $ts,
                 'X-Hdadapter-Signature' => $sig, 'User-Agent' => 'RT-Scrip/mamori' },
    content => $body });
if ($res->{success}) {
    RT->Logger->info("mamori: ticket " . $t->id . " transaction " . $txn->id . " -> $res->{status}");
} else {
    RT->Logger->error("mamori: webhook for ticket " . $t->id . " failed: $res->{status} $res->{reason}");
}
return 1;
