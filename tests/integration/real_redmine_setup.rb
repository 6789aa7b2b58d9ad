# tests/integration/real_redmine_setup.rb -- run with `rails runner` in
# Debian's Redmine 5: enable the REST API, pin admin's API key to
# $REDMINE_API_KEY, and create the text custom field mamori writes tags to.
# Prints "CF=<id>".
Setting.rest_api_enabled = '1'
admin = User.find_by(login: 'admin')
admin.must_change_passwd = false
admin.save!(validate: false)
token = Token.find_by(user_id: admin.id, action: 'api') || Token.create!(user: admin, action: 'api')
token.update_column(:value, ENV.fetch('REDMINE_API_KEY'))
cf = IssueCustomField.find_by(name: 'mamori tags')
unless cf
  cf = IssueCustomField.new(name: 'mamori tags', field_format: 'string', is_for_all: true, visible: true)
  cf.trackers = Tracker.all
  cf.save!
end
puts "CF=#{cf.id}"
